#!/usr/bin/env python3
"""A scriptable HTTP stand-in for client tests (standard library only).

    python3 scripted_http_server.py --port PORT

Tests set its answers and read what it received through a control API:

    PUT    /__stand-in/routes     JSON {"GET /path": ANSWER, ...}: add or replace routes
    DELETE /__stand-in/routes     forget every route
    GET    /__stand-in/requests   JSON list of the requests received (method, path, headers, body)
    DELETE /__stand-in/requests   forget them

ANSWER is an object with optional fields:
    status (200), headers ({}; a list value sends the field once per item), body (""), json (any JSON value, sent instead of body),
    body_repeat (send body that many times), delay (seconds before answering),
    no_content_length (send no Content-Length and close the connection to end the body),
    raw (send these characters instead of an HTTP response, then close).
A request without a route gets 404 {"error": "no route"}.
"""

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTROL = "/__stand-in/"
_lock = threading.Lock()
_routes = {}
_requests = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, body, headers=None, content_length=True):
        self.send_response(status)
        for name, value in (headers or {}).items():
            for item in value if isinstance(value, list) else [value]:
                self.send_header(name, item)
        if content_length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def _json(self, status, value):
        self._send(status, json.dumps(value).encode(), {"Content-Type": "application/json"})

    def _control(self, body):
        what = self.path[len(CONTROL):].split("?")[0]
        with _lock:
            if what == "routes" and self.command == "PUT":
                _routes.update(json.loads(body or b"{}"))
            elif what == "routes" and self.command == "DELETE":
                _routes.clear()
            elif what == "requests" and self.command == "GET":
                return self._json(200, list(_requests))
            elif what == "requests" and self.command == "DELETE":
                _requests.clear()
            else:
                return self._json(404, {"error": "unknown control request"})
        self._send(204, b"")

    def _handle(self):
        body = self._body()
        if self.path.startswith(CONTROL):
            return self._control(body)
        with _lock:
            _requests.append({
                "method": self.command,
                "path": self.path,
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
            })
            answer = _routes.get(f"{self.command} {self.path.split('?')[0]}")
        if answer is None:
            return self._json(404, {"error": "no route"})
        if answer.get("delay"):
            time.sleep(float(answer["delay"]))
        if "raw" in answer:
            self.close_connection = True
            try:
                self.wfile.write(answer["raw"].encode())
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        headers = dict(answer.get("headers", {}))
        if "json" in answer:
            payload = json.dumps(answer["json"]).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            payload = answer.get("body", "").encode() * int(answer.get("body_repeat", 1))
        self._send(int(answer.get("status", 200)), payload, headers, not answer.get("no_content_length"))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    arguments = parser.parse_args()
    server = ThreadingHTTPServer((arguments.host, arguments.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
