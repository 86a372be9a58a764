#!/usr/bin/env python3
"""A ClickHouse HTTP interface in front of chDB, the ClickHouse engine embedded in Python.

    python3 clickhouse_standin.py --port PORT [--data DIR] [--user NAME] [--password SECRET]

The SQL is executed by the real ClickHouse engine (chdb-core, the same C++ code as
clickhouse-server, in a persistent on-disk session): parsing, `{name:Type}` query parameters
(their values parsed from the "escaped" format, as the server does), MergeTree tables, partitions,
TTL, deduplication, skip indexes, system tables and error codes are ClickHouse's own. What this
script writes is the HTTP layer of clickhouse-server (src/Server/HTTPHandler.cpp), reduced to
what a client of the HTTP interface sees:

- the query from the `query` URL parameter and/or the POST body, joined by a line feed, with
  an INSERT's data following its `FORMAT <name>`; one statement per request;
- `param_<name>` URL parameters as query parameters, handed to the engine unparsed;
- every other URL parameter that is not an HTTP-interface parameter (`database`,
  `default_format`, `wait_end_of_query`, …) applied as a setting for that request only;
- the default database from `X-ClickHouse-Database` or `database`; the user from
  `X-ClickHouse-User`/`X-ClickHouse-Key`, `user`/`password` or HTTP Basic, checked against
  --user/--password (code 516, HTTP 403);
- errors as the server sends them: the status of exceptionCodeToHTTPStatus, an
  `X-ClickHouse-Exception-Code` header and `Code: N. DB::Exception: … (NAME)` as the body;
- GET requests are read-only (code 164, READONLY); SET and USE last one request, as on a
  server without `session_id`; `GET /ping` answers `Ok.`.

Tests steer it through a control API:

    POST   /__stand-in/fail       JSON {"count": N, "status": 503, "exception_code": null,
                                  "body": "...", "after": false, "match": ""}: the next N
                                  ClickHouse requests whose SQL contains "match" get that answer
                                  instead of being executed (with "after": true, after being
                                  executed: an answer lost on the way)
    GET    /__stand-in/requests   JSON list of the ClickHouse requests received (method, path with
                                  query, lower-case headers, body as text)
    DELETE /__stand-in/requests   forget them

Not modelled: replication, sessions (`session_id`), compression, external tables, progress
headers, quotas, users and grants beyond one name and password, `X-ClickHouse-Summary` beyond
`written_rows`, results streamed before the query ends (every answer is buffered, as with
`wait_end_of_query=1`).
"""

import argparse
import base64
import json
import os
import re
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from chdb import session as chdb_session

CONTROL = "/__stand-in/"

# URL parameters the HTTP handler consumes itself; every other one is a setting.
HTTP_PARAMETERS = {
    "query", "database", "default_format", "user", "password", "quota_key", "query_id", "session_id",
    "session_timeout", "session_check", "compress", "decompress", "buffer_size", "wait_end_of_query",
    "stacktrace", "role", "close_session", "with_stacktrace",
}

# src/Server/HTTP/exceptionCodeToHTTPStatus.cpp, by error name (the engine's messages end with it).
STATUS_BY_NAME = {"REQUIRED_PASSWORD": 401}
STATUS_BY_NAME.update({name: 403 for name in (
    "UNKNOWN_USER", "WRONG_PASSWORD", "AUTHENTICATION_FAILED", "SET_NON_GRANTED_ROLE", "ACCESS_DENIED",
)})
STATUS_BY_NAME.update({name: 400 for name in (
    "BAD_ARGUMENTS", "CANNOT_COMPILE_REGEXP", "CANNOT_PARSE_TEXT", "CANNOT_PARSE_ESCAPE_SEQUENCE",
    "CANNOT_PARSE_QUOTED_STRING", "CANNOT_PARSE_DATE", "CANNOT_PARSE_DATETIME", "CANNOT_PARSE_NUMBER",
    "CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING", "CANNOT_PARSE_IPV4", "CANNOT_PARSE_IPV6",
    "CANNOT_PARSE_INPUT_ASSERTION_FAILED", "CANNOT_PARSE_UUID", "DUPLICATE_COLUMN", "ILLEGAL_COLUMN",
    "UNKNOWN_ELEMENT_IN_AST", "UNKNOWN_TYPE_OF_AST_NODE", "THERE_IS_NO_COLUMN", "TOO_DEEP_AST", "TOO_BIG_AST",
    "UNEXPECTED_AST_STRUCTURE", "SYNTAX_ERROR", "INCORRECT_DATA", "TYPE_MISMATCH",
    "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE",
)})
STATUS_BY_NAME.update({name: 404 for name in (
    "UNKNOWN_TABLE", "UNKNOWN_FUNCTION", "UNKNOWN_IDENTIFIER", "UNKNOWN_TYPE", "UNKNOWN_STORAGE",
    "UNKNOWN_DATABASE", "UNKNOWN_SETTING", "UNKNOWN_DIRECTION_OF_SORTING", "UNKNOWN_AGGREGATE_FUNCTION",
    "UNKNOWN_FORMAT", "UNKNOWN_DATABASE_ENGINE", "UNKNOWN_TYPE_OF_QUERY", "UNKNOWN_ROLE",
)})
STATUS_BY_NAME.update({
    "QUERY_IS_TOO_LARGE": 413, "NOT_IMPLEMENTED": 501, "SOCKET_TIMEOUT": 503, "CANNOT_OPEN_FILE": 503,
    "HTTP_LENGTH_REQUIRED": 411, "TIMEOUT_EXCEEDED": 408, "CANNOT_SCHEDULE_TASK": 503,
    "UNSUPPORTED_MEDIA_TYPE": 415,
})

READ_ONLY_START = re.compile(r"^\s*(SELECT|WITH|SHOW|DESC|DESCRIBE|EXISTS|EXPLAIN)\b", re.IGNORECASE)
INSERT_HEAD = re.compile(r"^\s*INSERT\b.*?\bFORMAT\s+\w+", re.IGNORECASE | re.DOTALL)
SESSION_STATEMENT = re.compile(r"^\s*(SET|USE)\b", re.IGNORECASE)
SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ERROR_CODE = re.compile(r"Code: (\d+)\.")
IN_SCOPE = re.compile(r" ?:? In scope SELECT formatQuery\(.*\)\.", re.DOTALL)
ERROR_NAME = re.compile(r"\(([A-Z][A-Z0-9_]+)\)")
CONTENT_TYPES = {
    "JSONEachRow": "application/x-ndjson; charset=UTF-8",
    "JSON": "application/json; charset=UTF-8",
    "TabSeparated": "text/tab-separated-values; charset=UTF-8",
}


class ClickHouseError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status(self):
        names = ERROR_NAME.findall(self.message)
        return STATUS_BY_NAME.get(names[-1], 500) if names else 500


def quote(value):
    """A ClickHouse string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def escaped(value):
    """`value` in the "escaped" (TSV) format, as query parameter values are parsed."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


class Engine:
    """One persistent chDB session; requests run one at a time, each with its own settings."""

    def __init__(self, path, user, password):
        self.user = user
        self.password = password
        self.lock = threading.Lock()
        self.session = chdb_session.Session(path)
        # clickhouse-server's defaults where clickhouse-local's (chDB's) differ.
        for name, value in (("async_insert", "0"), ("output_format_json_quote_64bit_integers", "1")):
            self.session.query("SET %s = %s" % (name, quote(value)))

    def run(self, sql, default_format, params):
        try:
            result = self.session.query(sql, default_format, params=params)
        except Exception as error:  # chDB raises its errors with the server's text
            text = str(error)
            match = ERROR_CODE.search(text)
            raise ClickHouseError(int(match.group(1)) if match else 1002, text) from None
        return result

    def execute(self, sql, database, settings, params, read_only, default_format):
        """Runs one statement; returns (body bytes, rows written)."""
        insert = INSERT_HEAD.match(sql)
        head = insert.group(0) if insert else sql
        if read_only and not READ_ONLY_START.match(head):
            raise ClickHouseError(164, "Code: 164. DB::Exception: Cannot execute query in readonly mode. (READONLY)")
        with self.lock:
            # One statement per request: the engine's own parser says whether there are more.
            try:
                self.run("SELECT formatQuery({statement:String})", "TabSeparated", {"statement": escaped(head)})
            except ClickHouseError as error:
                raise ClickHouseError(error.code, IN_SCOPE.sub("", error.message)) from None
            if SESSION_STATEMENT.match(head):
                return b"", 0  # without session_id, SET and USE end with their request
            previous = {}
            try:
                for name, value in settings:
                    if not SETTING_NAME.match(name):
                        raise ClickHouseError(115, "Code: 115. DB::Exception: Unknown setting '%s'. (UNKNOWN_SETTING)" % name)
                    if name not in previous:
                        current = self.run(
                            "SELECT value FROM system.settings WHERE name = {name:String}", "JSONEachRow", {"name": name}
                        ).bytes()
                        if not current:
                            raise ClickHouseError(115, "Code: 115. DB::Exception: Unknown setting '%s'. (UNKNOWN_SETTING)" % name)
                        previous[name] = json.loads(current)["value"]
                    self.run("SET %s = %s" % (name, quote(value)), "TabSeparated", {})
                if database:
                    self.run("USE %s" % ("`" + database.replace("\\", "\\\\").replace("`", "\\`") + "`"), "TabSeparated", {})
                result = self.run(sql, default_format, params)
                return result.bytes(), result.rows_written()
            finally:
                self.session.query("USE default")
                for name, value in previous.items():
                    self.session.query("SET %s = %s" % (name, quote(value)))


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.failures = []
        self.requests = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    engine = None
    state = None

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def _send(self, status, body, headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status, value):
        self._send(status, json.dumps(value).encode(), {"Content-Type": "application/json"})

    def _exception(self, error):
        status = error.status
        text = error.message.rstrip()
        if "(version" not in text:
            text += " (version %s (chDB stand-in))" % chdb_version()
        self._send(status, (text + "\n").encode(), {
            "Content-Type": "text/plain; charset=UTF-8",
            "X-ClickHouse-Exception-Code": str(error.code),
        })

    def _control(self, body):
        what = urlsplit(self.path).path[len(CONTROL):]
        with self.state.lock:
            if what == "fail" and self.command == "POST":
                answer = json.loads(body or b"{}")
                self.state.failures.extend([answer] * int(answer.get("count", 1)))
            elif what == "requests" and self.command == "GET":
                return self._json(200, list(self.state.requests))
            elif what == "requests" and self.command == "DELETE":
                self.state.requests.clear()
            else:
                return self._json(404, {"error": "unknown control request"})
        self._send(204, b"")

    def _handle(self):
        try:
            self._answer()
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as error:  # a bug here must still answer, as the server does
            self._exception(ClickHouseError(1001, "Code: 1001. DB::Exception: %s. (STD_EXCEPTION)" % error))

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        if url.path.startswith(CONTROL):
            return self._control(body)
        if url.path in ("/ping", "/") and self.command in ("GET", "HEAD") and not url.query:
            return self._send(200, b"Ok.\n", {"Content-Type": "text/html; charset=UTF-8"})
        fields = parse_qsl(url.query, keep_blank_values=True)
        named = {name: value for name, value in fields}
        text = body.decode("utf-8", "replace") if body else ""
        sql = named.get("query", "")
        sql = sql + "\n" + text if sql and text else sql or text
        with self.state.lock:
            self.state.requests.append({
                "method": self.command, "path": self.path,
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "body": text,
            })
            failure = next((f for f in self.state.failures if f.get("match", "") in sql), None)
            if failure is not None:
                self.state.failures.remove(failure)
        lost = {}
        if failure is not None:
            lost = {"Content-Type": "text/plain; charset=UTF-8"}
            if failure.get("exception_code") is not None:
                lost["X-ClickHouse-Exception-Code"] = str(failure["exception_code"])
            if not failure.get("after"):
                return self._send(int(failure.get("status", 503)), failure.get("body", "Service Unavailable\n").encode(), lost)

        parameters = {name[len("param_"):]: value for name, value in fields if name.startswith("param_")}
        settings = [(name, value) for name, value in fields if not name.startswith("param_") and name not in HTTP_PARAMETERS]
        try:
            self._authenticate(named)
            if not sql.strip():
                raise ClickHouseError(62, "Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)")
            database = self.headers.get("X-ClickHouse-Database") or named.get("database")
            default_format = self.headers.get("X-ClickHouse-Format") or named.get("default_format") or "TabSeparated"
            output, written = self.engine.execute(
                sql, database, settings, parameters, self.command == "GET", default_format
            )
        except ClickHouseError as error:
            if failure is None:
                return self._exception(error)
        if failure is not None:  # executed, but the answer is lost on the way
            return self._send(int(failure.get("status", 503)), failure.get("body", "Service Unavailable\n").encode(), lost)
        summary = json.dumps({"read_rows": "0", "written_rows": str(written)})
        self._send(200, output, {
            "Content-Type": CONTENT_TYPES.get(default_format, "text/plain; charset=UTF-8"),
            "X-ClickHouse-Summary": summary,
        })

    def _authenticate(self, named):
        user = self.headers.get("X-ClickHouse-User")
        key = self.headers.get("X-ClickHouse-Key")
        basic = self.headers.get("Authorization", "")
        if user is None and basic.startswith("Basic "):
            user, _, key = base64.b64decode(basic[6:]).decode().partition(":")
        user = user if user is not None else named.get("user", "default")
        key = key if key is not None else named.get("password", "")
        if user != self.engine.user or key != self.engine.password:
            raise ClickHouseError(516, (
                "Code: 516. DB::Exception: %s: Authentication failed: password is incorrect, or there is no user with "
                "such name. (AUTHENTICATION_FAILED)" % user
            ))

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _handle


def chdb_version():
    import chdb
    return getattr(chdb, "__version__", "?")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", help="the engine's directory (a new temporary one by default)")
    parser.add_argument("--user", default="default")
    parser.add_argument("--password", default="")
    arguments = parser.parse_args()
    path = arguments.data or tempfile.mkdtemp(prefix="clickhouse-standin-")
    os.makedirs(path, exist_ok=True)
    Handler.engine = Engine(path, arguments.user, arguments.password)
    Handler.state = State()
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    print("clickhouse stand-in (chDB %s) on 127.0.0.1:%d, data in %s" % (chdb_version(), arguments.port, path), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
