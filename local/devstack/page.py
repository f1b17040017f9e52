"""The example store page: static files plus a config script naming the local API and Steam endpoint."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

PAGE_DIR = Path(__file__).with_name("page")
_FILES = {"/": "index.html", "/app.js": "app.js", "/style.css": "style.css"}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def build_page_app(api_url: str, steam_login_url: str) -> Starlette:
    config_js = (
        "window.DEVSTACK_CONFIG = "
        + json.dumps({"apiUrl": api_url, "steamLoginUrl": steam_login_url})
        + ";\n"
    )
    # What a store would send: scripts only from itself, API calls only to its API.
    policy = (
        f"default-src 'self'; connect-src 'self' {_origin(api_url)}; img-src 'self' data:; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
    headers = {
        "content-security-policy": policy,
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
    }

    async def config(request: Request) -> Response:
        return Response(config_js, media_type="text/javascript", headers=headers)

    def static(name: str) -> Route:
        async def endpoint(request: Request) -> Response:
            return FileResponse(PAGE_DIR / _FILES[name], headers=headers)

        return Route(name, endpoint, methods=["GET"])

    return Starlette(
        routes=[Route("/config.js", config, methods=["GET"]), *(static(path) for path in _FILES)]
    )
