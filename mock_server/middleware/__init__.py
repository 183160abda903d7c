"""ASGI middleware, one concern per module: the body limit, the version header, trailing slashes, the
request journal and injected faults."""
