"""The dashboard: a page at `/__mock/` to watch what an importer did and to steer the mock.

Plain HTML, CSS and JavaScript shipped in `static/` (no build step, nothing fetched from outside: its
Content-Security-Policy allows only the mock itself). The page reads and writes through the control API
(`/__mock/state`, `/reports`, `/journal`, `/faults`, `/reset`), so it sees exactly what a test sees and
never shows up in the journal or meets a fault.
"""

from __future__ import annotations

from pathlib import Path

from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

STATIC = Path(__file__).resolve().parent / "static"
PAGE = "dashboard.html"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}
_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


def _assets() -> dict[str, Path]:
    """The files the page may load, by name: only what ships in static/, so no path leads elsewhere."""
    return {path.name: path for path in STATIC.iterdir() if path.suffix in _TYPES}


class DashboardMiddleware:
    """Answers `GET /__mock/` with the page and `GET /__mock/static/NAME` with its files; passes every
    other request on."""

    def __init__(self, app: ASGIApp, *, prefix: str) -> None:
        self.app = app
        self.prefix = prefix
        self.assets = _assets()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self._answer(scope) if scope["type"] == "http" else None
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)

    def _answer(self, scope: Scope) -> Response | None:
        if scope["method"] not in ("GET", "HEAD"):
            return None
        path: str = scope["path"]
        if path == self.prefix:
            return RedirectResponse(f"{self.prefix}/", status_code=308)
        if path == f"{self.prefix}/":
            return self._file(PAGE)
        static = f"{self.prefix}/static/"
        if path.startswith(static):
            name = path[len(static) :]
            if name in self.assets:
                return self._file(name)
            message = f"No dashboard file {name!r}: the page loads only {', '.join(sorted(self.assets))}."
            return JSONResponse({"code": "not_found", "message": message}, status_code=404)
        return None

    def _file(self, name: str) -> Response:
        path = self.assets[name]
        return FileResponse(path, media_type=_TYPES[path.suffix], headers=_HEADERS)
