"""Static server for the web chat page (``web/public``) on ``WEB_PORT`` (default 8080).

Serves only the page's own files plus the socket.io client from ``web/node_modules`` (no
directory listing, no CDN), ``/config.json`` telling the page where Rasa's socket.io server
is, and security headers with a Content-Security-Policy that allows connections only to this
origin and the Rasa origin. Started by ``scripts/run.sh``::

    python -m bot.web --port 8080 --rasa-port 5005
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ROOT / "web" / "public"
NODE_MODULES = ROOT / "web" / "node_modules"

# URL path -> file outside web/public that the page needs (vendored from npm at set-up).
VENDOR: dict[str, Path] = {
    "/vendor/socket.io.min.js": NODE_MODULES / "socket.io-client" / "dist" / "socket.io.min.js",
}

CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}


def resolve(url_path: str, public: Path = PUBLIC) -> Path | None:
    """The file served for ``url_path``, or None (outside web/public, hidden or missing)."""
    if url_path in VENDOR:
        path = VENDOR[url_path]
        return path if path.is_file() else None
    if url_path.endswith("/"):
        url_path += "index.html"
    parts = [p for p in url_path.split("/") if p]
    if any(p.startswith(".") or "\\" in p for p in parts):
        return None
    path = (public / Path(*parts)).resolve() if parts else public / "index.html"
    if not path.is_relative_to(public.resolve()) or not path.is_file():
        return None
    if path.suffix not in CONTENT_TYPES:
        return None
    return path


def page_facts() -> dict[str, Any]:
    """The page's facts from the knowledge base (none when it is not loaded yet)."""
    from bot.kb import KnowledgeBaseError, Repository

    try:
        repository = Repository()
        about, contact = repository.fact("about"), repository.contact()
    except KnowledgeBaseError:
        return {}
    facts: dict[str, Any] = {}
    if about is not None:
        facts["about"] = {"de": about.text_de, "en": about.text_en}
    if contact is not None:
        facts["contact"] = {"email": contact.email, "phone": contact.phone}
    return facts


def rasa_origin(host_header: str | None, rasa_port: int, public_url: str | None) -> str:
    """Origin of the Rasa server as the browser sees it: ``RASA_PUBLIC_URL`` if set, else
    the host the page was requested from with Rasa's port."""
    if public_url:
        parts = urlsplit(public_url)
        return f"{parts.scheme}://{parts.netloc}"
    host = (host_header or "localhost").strip()
    hostname = urlsplit(f"//{host}").hostname or "localhost"
    if ":" in hostname:  # IPv6 literal
        hostname = f"[{hostname}]"
    return f"http://{hostname}:{rasa_port}"


def security_headers(rasa: str) -> dict[str, str]:
    """Headers sent with every response; ``rasa`` is the Rasa origin for connect-src."""
    ws = rasa.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    csp = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {rasa} {ws}; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cache-Control": "no-cache",
    }


class Handler(BaseHTTPRequestHandler):
    """GET/HEAD for the page's files and /config.json; everything else is refused."""

    server_version = "smartcity-web"
    sys_version = ""
    rasa_port: int = 5005
    rasa_public_url: str | None = None
    socketio_path: str = "/socket.io"

    def version_string(self) -> str:
        """No Python version in the Server header."""
        return self.server_version

    def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        rasa = rasa_origin(self.headers.get("Host"), self.rasa_port, self.rasa_public_url)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in security_headers(rasa).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = urlsplit(self.path).path
        if path == "/config.json":
            rasa = rasa_origin(self.headers.get("Host"), self.rasa_port, self.rasa_public_url)
            body = json.dumps({"socketUrl": rasa, "socketPath": self.socketio_path,
                               **page_facts()}).encode()
            self._send(HTTPStatus.OK, body, CONTENT_TYPES[".json"])
            return
        if path == "/healthz":
            self._send(HTTPStatus.OK, b"ok\n", CONTENT_TYPES[".txt"])
            return
        file = resolve(path)
        if file is None:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", CONTENT_TYPES[".txt"])
            return
        self._send(HTTPStatus.OK, file.read_bytes(), CONTENT_TYPES[file.suffix])

    do_HEAD = do_GET  # noqa: N815

    def _refuse(self) -> None:
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"method not allowed\n", CONTENT_TYPES[".txt"])

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        sys.stderr.write(f"web: {self.address_string()} {format % args}\n")


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("WEB_HOST", "0.0.0.0"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8080")))
    parser.add_argument("--rasa-port", type=int,
                        default=int(os.environ.get("RASA_PORT", "5005")))
    parser.add_argument("--rasa-public-url", default=os.environ.get("RASA_PUBLIC_URL") or None,
                        help="Rasa's URL as browsers reach it (behind a proxy)")
    args = parser.parse_args(argv)
    if not VENDOR["/vendor/socket.io.min.js"].is_file():
        sys.exit("web: web/node_modules is missing: run `make web` (npm ci in web/)")
    Handler.rasa_port = args.rasa_port
    Handler.rasa_public_url = args.rasa_public_url
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print(f"web: serving web/public on http://localhost:{args.port}/ "
          f"(Rasa on port {args.rasa_port})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
