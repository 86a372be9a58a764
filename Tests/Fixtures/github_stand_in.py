#!/usr/bin/env python3
"""A local stand-in for GitHub's OAuth app flow and REST API (standard library only).

    python3 github_stand_in.py --port PORT --client-id ID --client-secret SECRET --users JSON

It follows GitHub's documented behaviour (docs.github.com: "Authorizing OAuth apps",
"Troubleshooting OAuth app access token request errors", REST "Users" and "Emails"):

    GET  /login/oauth/authorize      approves at once for the user named by `login` (default:
                                     the first user) and redirects to redirect_uri?code=…&state=…
    POST /login/oauth/access_token   form or query parameters; errors come back with status 200
                                     and an `error` field; JSON only with Accept: application/json,
                                     else form-encoded; PKCE (S256) checked when a challenge was sent
    GET  /user, /user/emails         (also under /api/v3, like GitHub Enterprise Server) need a
                                     User-Agent and a Bearer/token Authorization; /user/emails
                                     needs the user:email or user scope (404 otherwise)

--users is a JSON list: [{"login": "octocat", "id": 1, "name": "…", "emails": [{"email": "…",
"primary": true, "verified": true, "visibility": "public"}]}].
"""

import argparse
import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

DOCS = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors"
_lock = threading.Lock()
_codes = {}
_tokens = {}
config = None


def _error(code, description, anchor):
    return {"error": code, "error_description": description, "error_uri": f"{DOCS}/#{anchor}"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"

    def log_message(self, format, *args):
        pass

    def _send(self, status, body, content_type, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status, value, extra=None):
        self._send(status, json.dumps(value).encode(), "application/json; charset=utf-8", extra)

    def do_GET(self):
        url = urlsplit(self.path)
        path = url.path[len("/api/v3"):] if url.path.startswith("/api/v3/") else url.path
        if path == "/login/oauth/authorize":
            return self._authorize(dict(parse_qsl(url.query)))
        if path in ("/user", "/user/emails"):
            return self._api(path)
        self._json(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"})

    def do_POST(self):
        url = urlsplit(self.path)
        if url.path != "/login/oauth/access_token":
            return self._json(404, {"message": "Not Found", "status": "404"})
        length = int(self.headers.get("Content-Length") or 0)
        params = dict(parse_qsl(url.query))
        params.update(parse_qsl(self.rfile.read(length).decode()))
        self._token(params)

    def _authorize(self, query):
        if query.get("client_id") != config.client_id:
            return self._send(404, b"<html>Not Found</html>", "text/html")
        users = {user["login"]: user for user in config.users}
        user = users.get(query.get("login")) or config.users[0]
        code = secrets.token_hex(10)
        with _lock:
            _codes[code] = {
                "user": user["login"], "redirect_uri": query.get("redirect_uri", ""),
                "scope": ",".join(query.get("scope", "").split()), "expires": time.time() + 600,
                "challenge": query.get("code_challenge"), "method": query.get("code_challenge_method", "plain"),
            }
        target = query["redirect_uri"] + ("&" if "?" in query["redirect_uri"] else "?")
        target += urlencode({"code": code, "state": query.get("state", "")})
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _token(self, params):
        if params.get("client_id") != config.client_id or params.get("client_secret") != config.client_secret:
            return self._token_answer(_error("incorrect_client_credentials",
                "The client_id and/or client_secret passed are incorrect.", "incorrect-client-credentials"))
        with _lock:
            grant = _codes.pop(params.get("code", ""), None)
        if grant is None or grant["expires"] < time.time():
            return self._token_answer(_error("bad_verification_code",
                "The code passed is incorrect or expired.", "bad-verification-code"))
        if params.get("redirect_uri") and params["redirect_uri"] != grant["redirect_uri"]:
            return self._token_answer(_error("redirect_uri_mismatch",
                "The redirect_uri MUST match the registered callback URL for this application.", "redirect-uri-mismatch"))
        if grant["challenge"] and not _pkce_matches(grant, params.get("code_verifier", "")):
            return self._token_answer(_error("bad_verification_code",
                "The code passed is incorrect or expired.", "bad-verification-code"))
        token = "gho_" + secrets.token_hex(18)
        with _lock:
            _tokens[token] = {"user": grant["user"], "scope": grant["scope"]}
        self._token_answer({"access_token": token, "token_type": "bearer", "scope": grant["scope"]})

    def _token_answer(self, fields):
        if "application/json" in self.headers.get("Accept", ""):
            self._json(200, fields)
        else:
            self._send(200, urlencode(fields).encode(), "application/x-www-form-urlencoded; charset=utf-8")

    def _api(self, path):
        if not self.headers.get("User-Agent"):
            return self._send(403, b"Request forbidden by administrative rules. Please make sure your request "
                b"has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required).",
                "text/plain")
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        with _lock:
            grant = _tokens.get(token) if scheme.lower() in ("bearer", "token") else None
        if grant is None:
            return self._json(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"})
        user = next(user for user in config.users if user["login"] == grant["user"])
        scopes = grant["scope"].split(",")
        extra = {"X-OAuth-Scopes": ", ".join(scopes), "X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4999",
                 "X-GitHub-Media-Type": "github.v3; format=json"}
        if path == "/user":
            public = next((e["email"] for e in user.get("emails", []) if e.get("visibility") == "public"), None)
            return self._json(200, {
                "login": user["login"], "id": user["id"], "node_id": f"MDQ6VXNlcj{user['id']}",
                "avatar_url": f"https://avatars.githubusercontent.com/u/{user['id']}?v=4", "type": "User",
                "site_admin": False, "name": user.get("name"), "company": None, "blog": "", "location": None,
                "email": public, "hireable": None, "bio": None, "public_repos": 8, "followers": 0, "following": 0,
                "created_at": "2011-01-25T18:44:36Z", "updated_at": "2024-01-22T12:00:00Z",
            }, extra)
        if not {"user", "user:email"} & set(scopes):
            return self._json(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest/users/emails", "status": "404"}, extra)
        self._json(200, user.get("emails", []), extra)


def _pkce_matches(grant, verifier):
    if grant["method"] == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == grant["challenge"]
    return verifier == grant["challenge"]


def main():
    global config
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--users", type=json.loads, required=True)
    config = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", config.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
