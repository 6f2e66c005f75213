"""Serves the website widget's files, and the demo page, from the Rasa server itself.

Not an input channel in Rasa's sense: a channel is how Rasa lets a project add routes to its
server. Routes (at the root, not under /webhooks/):
  /widget/widget.js, /widget/widget.css    the widget (widget/)
  /widget/socket.io.esm.min.js             the socket.io client, from widget/node_modules (npm ci)
  /widget/demo.css                         the demo page's own styles
  /demo                                    a page with the widget embedded (`demo_page: true`)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

WIDGET_DIR = Path(__file__).resolve().parent.parent / "widget"
SOCKETIO_CLIENT = WIDGET_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.esm.min.js"
ASSETS = {
    "widget.js": (WIDGET_DIR / "widget.js", "text/javascript; charset=utf-8"),
    "widget.css": (WIDGET_DIR / "widget.css", "text/css; charset=utf-8"),
    "socket.io.esm.min.js": (SOCKETIO_CLIENT, "text/javascript; charset=utf-8"),
    "demo.css": (WIDGET_DIR / "demo.css", "text/css; charset=utf-8"),
}
# The widget is embedded on other sites' pages, which load these files cross-origin
# (the socket.io client through import(), which needs CORS).
ASSET_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Cache-Control": "public, max-age=300",
    "X-Content-Type-Options": "nosniff",
}
# The demo page runs under a strict policy: no inline script or style, nothing from elsewhere.
DEMO_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class RootBlueprint(Blueprint):
    """A blueprint mounted at the server's root instead of Rasa's /webhooks/<channel>."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        super().register(app, {**options, "url_prefix": ""})


class WidgetAssets(InputChannel):
    """Widget files (credentials.yml: channels.widget_assets.WidgetAssets)."""

    @classmethod
    def name(cls) -> str:
        return "widget_assets"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(demo_page=bool((credentials or {}).get("demo_page", False)))

    def __init__(self, demo_page: bool = False) -> None:
        self.demo_page = demo_page
        missing = [str(path) for path, _ in ASSETS.values() if not path.is_file()]
        if missing:
            raise FileNotFoundError(f"widget files missing (run `make install`): {missing}")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = RootBlueprint("widget_assets", __name__)

        @bp.route("/widget/<name>", methods=["GET"])
        async def asset(_: Request, name: str) -> HTTPResponse:
            if name not in ASSETS:
                return response.text("Fichier introuvable", status=404)
            path, mime_type = ASSETS[name]
            return await response.file(path, mime_type=mime_type, headers=ASSET_HEADERS)

        if self.demo_page:

            @bp.route("/demo", methods=["GET"])
            async def demo(_: Request) -> HTTPResponse:
                return await response.file(
                    WIDGET_DIR / "demo.html", mime_type="text/html; charset=utf-8",
                    headers=DEMO_HEADERS,
                )  # fmt: skip

        return bp
