"""ASGI middleware, one concern per module: the body limits, the version header, trailing slashes, the
request journal, injected faults, who may use the control API, and the connection handle network faults
close."""
