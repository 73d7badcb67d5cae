"""The farm's HTTP server. It answers as a forward proxy (absolute URLs in the request line, the way
a client configured with http_proxy asks), so the crawler keeps the real official hostnames; it also
answers plain requests by their Host header. For https (a client configured with https_proxy) it
accepts CONNECT and terminates TLS itself, with a certificate it makes for the farm's https hosts; a
plain http request to one of those hosts is redirected to https, as real portals do."""
from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import ssl
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from farm.sites import Farm, Route, build_farm
from farm.wayback import HOST as WAYBACK_HOST

NOT_FOUND = b"<html><head><title>404</title></head><body>404 Not Found</body></html>"


class FarmHandler(BaseHTTPRequestHandler):
    server: FarmServer
    protocol_version = "HTTP/1.1"
    tunnel_host: str | None = None  # set on the handler of requests inside a CONNECT tunnel

    def do_CONNECT(self) -> None:
        host = self.path.split(":")[0].lower()
        if host not in self.server.farm.https_hosts:
            self.send_response(502)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200, "Connection Established")
        self.end_headers()
        self.wfile.flush()
        try:
            tls = self.server.tls.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        inner = FarmHandler.__new__(FarmHandler)
        inner.tunnel_host = host
        try:
            inner.__init__(tls, self.client_address, self.server)
        except (ssl.SSLError, OSError):
            pass
        self.close_connection = True

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
        started = time.monotonic()
        if self.server.latency:
            time.sleep(self.server.latency)  # a distant server: every answer comes late
        parts = urlsplit(self.path)
        if self.path.startswith(("http://", "https://")):
            host = parts.netloc
        else:
            host = self.headers.get("Host", "")
        path = parts.path or "/"
        host = (self.tunnel_host or host).split(":")[0].lower()
        self.server.requests.append((host, path + (f"?{parts.query}" if parts.query else ""),
                                     self.headers.get("User-Agent", "")))
        self.server.urls.append(f"{'http' if self.tunnel_host is None else 'https'}://{host}{path}"
                                + (f"?{parts.query}" if parts.query else ""))
        routes = self.server.farm.routes
        # A route may be for one query string (a JSON API's page, a data proxy's record range).
        route = routes.get((host, f"{path}?{parts.query}")) if parts.query else None
        route = route or routes.get((host, path))
        if self.tunnel_host is None and host in self.server.farm.https_hosts:
            location = f"https://{host}{path}" + (f"?{parts.query}" if parts.query else "")
            route = Route(301, (("Location", location), ("Content-Type", "text/html")), b"<html>moved</html>")
        required = self.server.farm.required_forms.get((host, path))
        if route is not None and required is not None and any((form or {}).get(k) != v for k, v in required.items()):
            route = Route(400, (("Content-Type", "text/plain"),), b"farm: missing or wrong form parameters")
        wayback = self.server.farm.wayback
        if wayback is not None and host == WAYBACK_HOST and route is None:
            route = Route(*wayback.answer(path, parts.query))
        if route is None and host not in self.server.farm.hosts:
            status, headers, body = 502, (("Content-Type", "text/plain"),), f"farm: no host {host}".encode()
        elif route is None:
            status, headers, body = 404, (("Content-Type", "text/html; charset=utf-8"),), NOT_FOUND
        else:
            status, headers, body = route.status, route.headers, route.body
        if self.server.farm.flaky.get((host, path), 0) > 0:
            self.server.farm.flaky[(host, path)] -= 1
            status, headers, body = 503, (("Content-Type", "text/html"), ("Retry-After", "1")), b"<h1>503</h1>"
        if status == 200 and self.server.etags:
            # Validators as real servers send them; a conditional request for an unchanged page gets 304.
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            headers = (*headers, ("ETag", etag))
            if self.headers.get("If-None-Match") == etag:
                status, headers, body = 304, (("ETag", etag),), b""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        drip = self.server.farm.drip.get((host, path))
        if send_body and drip:
            try:
                for start in range(0, len(body), 64):
                    self.wfile.write(body[start:start + 64])
                    self.wfile.flush()
                    time.sleep(drip)
            except OSError:
                return  # the client gave up waiting, as it should
        elif send_body:
            self.wfile.write(body)
        self.server.timeline.append((host, started, time.monotonic()))

    def log_message(self, *args) -> None:  # the request log is self.server.requests
        pass


class FarmServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # hundreds of portals at once

    def __init__(self, farm: Farm | None = None, port: int = 0, host: str = "127.0.0.1", latency: float = 0.0,
                 etags: bool = True):
        self.farm = farm or build_farm()
        self.etags = etags  # send ETag and answer If-None-Match with 304
        self.requests: list[tuple[str, str, str]] = []
        self.urls: list[str] = []  # the same requests as whole URLs, scheme included (http → https redirects)
        self.latency = latency  # seconds each answer waits, as a distant server's would
        self.timeline: list[tuple[str, float, float]] = []  # (host, started, finished) of every answer
        self.tls = _tls_context(sorted(self.farm.https_hosts)) if self.farm.https_hosts else None
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


def _tls_context(hosts: list[str]) -> ssl.SSLContext:
    """A server context with a self-signed certificate for `hosts` (the crawler, like Scrapy by
    default, does not verify certificates; the archive records what was served, not who vouched)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "govreports farm")])
    now = dt.datetime.now(dt.UTC)
    names = [x509.DNSName(host) for host in hosts] + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=30))
                   .add_extension(x509.SubjectAlternativeName(names), critical=False).sign(key, hashes.SHA256()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # load_cert_chain reads files only: written to a folder that goes once they are read, so no farm
    # (a test session, `make demo`, a benchmark) leaves a private key behind in the temporary directory.
    with tempfile.TemporaryDirectory(prefix="govreports-farm-tls-") as folder:
        with open(f"{folder}/cert.pem", "wb") as out:
            out.write(certificate.public_bytes(serialization.Encoding.PEM))
        with open(f"{folder}/key.pem", "wb") as out:
            out.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
        context.load_cert_chain(f"{folder}/cert.pem", f"{folder}/key.pem")
    return context
