#!/usr/bin/env python3
"""A stateless HTTP microservice for the watchdog's http mode (the of-watchdog "http" template).

Listens on 127.0.0.1:$PORT (the watchdog sets PORT in http mode; with
upstream_url=http://127.0.0.1:0 it picks a free port per replica), else on the port given as
the first argument, else 5000. HTTP/1.1 keep-alive.

Routes:
  GET  /greet?name=NAME  -> {"message": "hello, NAME", "path": ..., "query": ...}
  POST /upper            -> the body upper-cased (text/plain)
  anything else          -> 404 with a JSON error listing the routes
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the watchdog pools connections to us

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, doc: dict) -> None:
        self._send(status, (json.dumps(doc) + "\n").encode(), "application/json")

    def _not_found(self) -> None:
        self._json(404, {"error": "no route for " + self.command + " " + urlsplit(self.path).path,
                         "routes": ["GET /greet?name=NAME", "POST /upper"]})

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        url = urlsplit(self.path)
        if url.path != "/greet":
            self._not_found()
            return
        name = parse_qs(url.query).get("name", ["world"])[0]
        self._json(200, {"message": "hello, " + name, "path": url.path, "query": url.query})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if urlsplit(self.path).path != "/upper":
            self._not_found()
            return
        self._send(200, body.decode("utf-8", "replace").upper().encode(), "text/plain; charset=utf-8")

    def log_message(self, fmt: str, *args) -> None:  # the watchdog logs each request already
        pass


def main() -> None:
    port = int(os.environ.get("PORT") or (sys.argv[1] if len(sys.argv) > 1 else 5000))
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"hello-http listening on 127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
