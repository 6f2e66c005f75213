"""Serves the website widget's files, and the demo page, from the Rasa server itself.

Registered by the widget's channel (channels/widget/socketio.py). Routes, at the server's root:
  /widget/widget.js, /widget/widget.css    the widget (widget/)
  /widget/socket.io.esm.min.js             the socket.io client, from widget/node_modules (npm ci)
  /widget/demo.css                         the demo page's own styles
  /demo                                    a page with the widget embedded (credentials.yml:
                                           `demo_page: true`)
"""

from __future__ import annotations

from pathlib import Path

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

WIDGET_DIR = Path(__file__).resolve().parents[2] / "widget"
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


def assets_blueprint(demo_page: bool) -> Blueprint:
    """The routes above, mounted at the server's root by channels/widget/socketio.py."""
    missing = [str(path) for path, _ in ASSETS.values() if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"widget files missing (run `make install`): {missing}")
    bp = Blueprint("widget_assets")

    @bp.route("/widget/<name>", methods=["GET"])
    async def asset(_: Request, name: str) -> HTTPResponse:
        if name not in ASSETS:
            return response.text("Fichier introuvable", status=404)
        path, mime_type = ASSETS[name]
        return await response.file(path, mime_type=mime_type, headers=ASSET_HEADERS)

    if demo_page:

        @bp.route("/demo", methods=["GET"])
        async def demo(_: Request) -> HTTPResponse:
            return await response.file(
                WIDGET_DIR / "demo.html", mime_type="text/html; charset=utf-8",
                headers=DEMO_HEADERS,
            )  # fmt: skip

    return bp
