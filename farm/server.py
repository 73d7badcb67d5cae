"""The farm's HTTP server. It answers as a forward proxy (absolute URLs in the request line, the way
a client configured with http_proxy asks), so the crawler keeps the real official hostnames; it also
answers plain requests by their Host header."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from farm.sites import Farm, Route, build_farm

NOT_FOUND = b"<html><head><title>404</title></head><body>404 Not Found</body></html>"


class FarmHandler(BaseHTTPRequestHandler):
    server: FarmServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def do_POST(self) -> None:
        # A platform's data proxy (Hanweb jpage) is asked by POST with the column's form parameters.
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode("utf-8"))) if length else {}
        self._answer(send_body=True, form=form)

    def _answer(self, send_body: bool, form: dict | None = None) -> None:
        parts = urlsplit(self.path)
        if self.path.startswith(("http://", "https://")):
            host = parts.netloc
        else:
            host = self.headers.get("Host", "")
        path = parts.path or "/"
        host = host.split(":")[0].lower()
        self.server.requests.append((host, path + (f"?{parts.query}" if parts.query else ""),
                                     self.headers.get("User-Agent", "")))
        routes = self.server.farm.routes
        # A route may be for one query string (a JSON API's page, a data proxy's record range).
        route = routes.get((host, f"{path}?{parts.query}")) if parts.query else None
        route = route or routes.get((host, path))
        required = self.server.farm.required_forms.get((host, path))
        if route is not None and required is not None and any((form or {}).get(k) != v for k, v in required.items()):
            route = Route(400, (("Content-Type", "text/plain"),), b"farm: missing or wrong form parameters")
        if route is None and host not in self.server.farm.hosts:
            status, headers, body = 502, (("Content-Type", "text/plain"),), f"farm: no host {host}".encode()
        elif route is None:
            status, headers, body = 404, (("Content-Type", "text/html; charset=utf-8"),), NOT_FOUND
        else:
            status, headers, body = route.status, route.headers, route.body
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, *args) -> None:  # the request log is self.server.requests
        pass


class FarmServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, farm: Farm | None = None, port: int = 0, host: str = "127.0.0.1"):
        self.farm = farm or build_farm()
        self.requests: list[tuple[str, str, str]] = []
        super().__init__((host, port), FarmHandler)

    @property
    def proxy_url(self) -> str:
        return f"http://{self.server_address[0]}:{self.server_address[1]}"

    def start(self) -> FarmServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
