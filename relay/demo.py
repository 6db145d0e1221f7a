"""The demo page at `GET /` and its static files, shipped in the package, and `GET /v1/routes` it lists routes from.

The page is plain HTML, CSS and JavaScript from `relay/static/` (no build step), served
from the relay's own origin under a strict Content-Security-Policy: no inline script or
style, and no connection to any other origin.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .errors import ApiError
from .opening import bearer
from .tenants import key_id_of

if TYPE_CHECKING:
    from .app import Relay

STATIC_DIR = Path(__file__).parent / "static"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the page's URLs never leave it, nor do the stream tokens in them
    "X-Frame-Options": "DENY",  # frame-ancestors, for browsers that predate it
    "Cross-Origin-Opener-Policy": "same-origin",
}
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# A versioned URL (`?v=` the file's hash, as the page links it) never changes; anything else is revalidated.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

_STATIC_LINK = re.compile(r'(?P<attr>src|href)="/static/(?P<name>[\w.-]+)"')


@dataclass(frozen=True, slots=True)
class Asset:
    """One static file, read once: its bytes, media type and content hash (the ETag and the `?v=` version)."""

    body: bytes
    media_type: str
    version: str

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


def _asset(body: bytes, media_type: str) -> Asset:
    return Asset(body, media_type, hashlib.sha256(body).hexdigest()[:20])


@functools.cache
def assets() -> dict[str, Asset]:
    """The files of `relay/static/` by name (flat, known types only), read at first use."""
    return {
        path.name: _asset(path.read_bytes(), MEDIA_TYPES[path.suffix])
        for path in sorted(STATIC_DIR.iterdir())
        if path.is_file() and path.suffix in MEDIA_TYPES
    }


@functools.cache
def index_page() -> Asset:
    """index.html with each `/static/<name>` link versioned by that file's hash, so the files can be cached for good."""
    files = assets()

    def versioned(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in files:
            raise RuntimeError(f"relay/static/index.html links /static/{name}, which is not shipped")
        return f'{match["attr"]}="/static/{name}?v={files[name].version}"'

    html = _STATIC_LINK.sub(versioned, files["index.html"].body.decode())
    return _asset(html.encode(), MEDIA_TYPES[".html"])


def _send(request: Request, asset: Asset, cache_control: str) -> Response:
    headers = {**SECURITY_HEADERS, "Cache-Control": cache_control, "ETag": asset.etag}
    if asset.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


async def page(request: Request) -> Response:
    return _send(request, index_page(), REVALIDATE)


async def static_file(request: Request) -> Response:
    name = request.path_params["name"]
    asset = assets().get(name)
    if asset is None or name == "index.html":  # the page itself only at `/`, with its links versioned
        raise ApiError(404, "not_found", f"no static file {name[:100]!r}")
    cache_control = IMMUTABLE if request.query_params.get("v") == asset.version else REVALIDATE
    return _send(request, asset, cache_control)


async def list_routes(request: Request) -> Response:
    """The configured routes and their targets, for the page's route picker; needs an API key where streams do."""
    relay: Relay = request.app.state.relay
    presented = bearer(request)
    if relay.keys.required and (presented is None or not relay.keys.knows(key_id_of(presented))):
        raise ApiError(401, "invalid_api_key", "a valid API key is required: Authorization: Bearer <key>")
    routes = [
        {"name": route.name, "targets": [target.label for target in route.targets]}
        for route in relay.config.routes.values()
    ]
    return JSONResponse({"routes": routes, "default": "default" if "default" in relay.config.routes else None})


ROUTES = [
    Route("/", page, methods=["GET"]),
    Route("/static/{name}", static_file, methods=["GET"]),
    Route("/v1/routes", list_routes, methods=["GET"]),
]
