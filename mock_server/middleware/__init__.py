"""ASGI middleware, one concern per module: the body limits, the version header, trailing slashes, the
media type's case, the request journal, injected faults, who may use the control API, and the connection
handle network faults close. The three checks before routing (trailing slash, media type, body limit) are
functions that one layer, `before_routing.py`, calls in turn."""
