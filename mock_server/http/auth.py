"""Bearer authentication against the keys one app was started with (no global state)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from connexion.security import BearerSecurityHandler


def bearer_handler_factory(api_keys: Iterable[str]) -> Callable[[], BearerSecurityHandler]:
    """A Connexion security handler factory that accepts exactly these keys."""
    keys = frozenset(api_keys)

    def check_key(token: str) -> dict[str, str] | None:
        return {"sub": "api-key"} if token in keys else None

    class KeyBearerHandler(BearerSecurityHandler):
        def _resolve_func(self, security_scheme: dict) -> Callable[[str], dict[str, str] | None]:
            return check_key

    return KeyBearerHandler
