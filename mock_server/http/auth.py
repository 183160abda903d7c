"""Bearer authentication against the keys one app was started with (no global state)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from connexion.exceptions import OAuthResponseProblem
from connexion.security import BearerSecurityHandler


def bearer_handler_factory(api_keys: Iterable[str]) -> Callable[[], BearerSecurityHandler]:
    """A Connexion security handler factory that accepts exactly these keys."""
    keys = frozenset(api_keys)

    def check_key(token: str) -> dict[str, str] | None:
        return {"sub": "api-key"} if token in keys else None

    class KeyBearerHandler(BearerSecurityHandler):
        def _resolve_func(self, security_scheme: dict) -> Callable[[str], dict[str, str] | None]:
            return check_key

        def check_bearer_token(self, token_info_func: Callable[[str], dict[str, str] | None]) -> Callable:
            """Connexion's check without its per-request look at `check_key`'s signature (it takes the
            token alone)."""

            async def check(_request: object, token: str, required_scopes: object = None) -> dict[str, str]:
                token_info = token_info_func(token)
                if token_info is None:
                    raise OAuthResponseProblem(detail="Provided token is not valid")
                return token_info

            return check

    return KeyBearerHandler
