#!/usr/bin/env python3
"""A stateless HTTP microservice for the watchdog's http mode (the of-watchdog "http" template).

usage: server.py PORT   -- listens on 127.0.0.1:PORT with HTTP/1.1 keep-alive.
GET  any path -> {"message": "hello from hello-http", "method": ..., "path": ..., "query": ...}
POST any path -> the same, plus "body_bytes" and the body upper-cased in "upper".
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the watchdog pools connections to us

    def _answer(self, body: bytes = b"") -> None:
        url = urlsplit(self.path)
        doc = {"message": "hello from hello-http", "method": self.command,
               "path": url.path, "query": url.query}
        if self.command != "GET":
            doc["body_bytes"] = len(body)
            doc["upper"] = body.decode("utf-8", "replace").upper()
        out = (json.dumps(doc) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer()

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self._answer(self.rfile.read(length))

    do_PUT = do_POST

    def log_message(self, fmt: str, *args) -> None:  # the watchdog logs each request already
        pass


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"hello-http listening on 127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
