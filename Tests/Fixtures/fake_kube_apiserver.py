#!/usr/bin/env python3
"""A stand-in for the host cluster's kube-apiserver, for the KubernetesProvider tests.

Implements, for the paths the provider uses, what a real API server does that the provider
relies on:
- bearer-token authentication (401 without the token; 403 for --forbidden-token); with --cert
  and --key it serves TLS, and with --client-ca a client certificate signed by that CA
  authenticates like the token (as with a kubeconfig's client-certificate-data);
- server-side apply: PATCH with Content-Type application/apply-patch+yaml only (else 415),
  fieldManager required (422), the body's apiVersion/kind/name/namespace must match the path
  (400); creates (201) or updates (200) the object from the manager's applied configuration,
  409 when another manager owns a changed field and force is not set; resourceVersion changes
  only when the object changes; creation in a missing namespace is 404, in a terminating one 403;
- GET (404 Status when absent) and DELETE;
- a namespace deleted with a finalizer: it stays Terminating for --terminate-gets GETs, then it
  and everything in it are gone; a HelmChart likewise (the Helm controller's uninstall);
- what the K3s Helm controller and vCluster would do: applying a HelmChart creates the install
  Job in its namespace, succeeded after --job-gets GETs, and the vCluster StatefulSet in the
  target namespace, ready after --ready-gets GETs.
Test controls:
- POST /_fake/fail {"status": 503, "count": 2} makes the next requests fail;
- GET /_fake/objects lists the stored objects;
- POST /_fake/config {"ready_gets": N, "job_gets": N, "terminate_gets": N, "hold": "helmcharts"}
  changes the counts of the command line from now on (a huge ready_gets stalls readiness, 0
  releases it at the next GET) and holds every PATCH of that resource ("" releases them): a held
  request waits unanswered, and one whose client disconnects meanwhile is dropped unapplied,
  like a request cancelled before the API server wrote it. It and GET /_fake/config answer the
  settings with "held" (requests waiting now) and "dropped" (held requests dropped so far).

Not modelled: discovery, admission and defaulting, schema validation, watches, field-level
ownership beyond top-level leaves, label selectors, the real Helm controller; the Job's and the
StatefulSet's status changes do not move their resourceVersion.
"""
import argparse
import copy
import datetime
import http.server
import json
import select
import socket
import ssl
import threading
import uuid

try:
    import yaml
except ImportError:  # JSON bodies still work without PyYAML
    yaml = None

LOCK = threading.Lock()
OBJECTS = {}  # (group_version, plural, namespace or "", name) -> object
APPLIED = {}  # same key -> {manager: applied configuration}
GETS = {}  # same key -> GETs seen while counting down
FAIL = {"status": 0, "count": 0}
HOLD = threading.Condition()  # guards CONFIG["hold"] and the held/dropped counts
CONFIG = {"hold": "", "held": 0, "dropped": 0}
VERSION = [100]
ARGS = None

CLUSTER_SCOPED = {"namespaces", "clusterroles", "clusterrolebindings", "nodes"}


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def plural(kind):
    lower = kind.lower()
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    if lower.endswith("s"):
        return lower + "es"
    return lower + "s"


def status(code, reason, message):
    return code, {"apiVersion": "v1", "kind": "Status", "status": "Failure", "reason": reason, "message": message, "code": code}


def parse_path(path):
    """/api/v1[/namespaces/ns]/plural/name or /apis/g/v[/namespaces/ns]/plural/name."""
    parts = [p for p in path.split("?")[0].split("/") if p]
    if parts[:1] == ["api"] and len(parts) >= 2:
        gv, rest = parts[1], parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        gv, rest = parts[1] + "/" + parts[2], parts[3:]
    else:
        return None
    namespace = ""
    if len(rest) == 4 and rest[0] == "namespaces":
        namespace, rest = rest[1], rest[2:]
    if len(rest) == 2 and rest[0] == "namespaces" and gv == "v1":
        return (gv, "namespaces", "", rest[1])
    if len(rest) != 2:
        return None
    return (gv, rest[0], namespace, rest[1])


def leaves(value, prefix=()):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(leaves(v, prefix + (k,)))
        return out
    return {prefix: value}


def merge(base, patch):
    out = copy.deepcopy(base)
    for k, v in patch.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def namespace_state(name):
    ns = OBJECTS.get(("v1", "namespaces", "", name))
    if ns is None:
        return "missing"
    return "terminating" if ns["metadata"].get("deletionTimestamp") else "active"


def apply(key, body, manager, force):
    gv, resource, namespace, name = key
    meta = body.get("metadata") or {}
    if body.get("apiVersion") != gv or plural(body.get("kind", "")) != resource:
        return status(400, "BadRequest", "the body's apiVersion/kind does not match the path")
    if meta.get("name") != name:
        return status(400, "BadRequest", "the name of the object does not match the name on the URL")
    if (resource in CLUSTER_SCOPED) != (namespace == ""):
        return status(404, "NotFound", "the server could not find the requested resource")
    if namespace and meta.get("namespace", namespace) != namespace:
        return status(400, "BadRequest", "the namespace of the object does not match the namespace on the URL")
    if namespace:
        state = namespace_state(namespace)
        if state == "missing":
            return status(404, "NotFound", 'namespaces "%s" not found' % namespace)
        if state == "terminating" and key not in OBJECTS:
            return status(403, "Forbidden", "unable to create new content in namespace %s because it is being terminated" % namespace)
    managers = APPLIED.setdefault(key, {})
    if not force:
        mine = leaves(body)
        for other, config in managers.items():
            if other == manager:
                continue
            theirs = leaves(config)
            clash = [p for p in mine if p in theirs and theirs[p] != mine[p]]
            if clash:
                return status(409, "Conflict", "Apply failed with conflicts: conflict with \"%s\": %s" % (other, ".".join(clash[0])))
    managers[manager] = copy.deepcopy(body)
    live = {}
    for config in managers.values():
        live = merge(live, config)
    existing = OBJECTS.get(key)
    server_meta = {}
    if existing is not None:
        for field in ("uid", "creationTimestamp", "resourceVersion", "deletionTimestamp", "finalizers"):
            if field in existing["metadata"]:
                server_meta[field] = existing["metadata"][field]
        if "status" in existing:
            live["status"] = existing["status"]
        if existing.get("spec", {}).get("finalizers") and resource == "namespaces":
            live.setdefault("spec", {})["finalizers"] = existing["spec"]["finalizers"]
    else:
        server_meta = {"uid": str(uuid.uuid4()), "creationTimestamp": now()}
    live["metadata"] = merge(live.get("metadata", {}), server_meta)
    if namespace:
        live["metadata"]["namespace"] = namespace
    if existing is not None and strip_version(existing) == strip_version(live):
        return 200, existing
    VERSION[0] += 1
    live["metadata"]["resourceVersion"] = str(VERSION[0])
    OBJECTS[key] = live
    if resource == "namespaces" and existing is None:
        live["status"] = {"phase": "Active"}
    if resource == "helmcharts" and existing is None:
        start_helm_chart(live)
    return (201 if existing is None else 200), live


def strip_version(obj):
    out = copy.deepcopy(obj)
    out["metadata"].pop("resourceVersion", None)
    return out


def start_helm_chart(chart):
    """What the K3s Helm controller and the vCluster chart would create."""
    name = chart["metadata"]["name"]
    namespace = chart["metadata"]["namespace"]
    target = chart.get("spec", {}).get("targetNamespace") or namespace
    VERSION[0] += 1
    OBJECTS[("batch/v1", "jobs", namespace, "helm-install-" + name)] = {
        "apiVersion": "batch/v1", "kind": "Job", "status": {"active": 1},
        "metadata": {"name": "helm-install-" + name, "namespace": namespace, "resourceVersion": str(VERSION[0])},
    }
    if namespace_state(target) == "active":
        OBJECTS[("apps/v1", "statefulsets", target, name)] = {
            "apiVersion": "apps/v1", "kind": "StatefulSet", "spec": {"replicas": 1}, "status": {"replicas": 1, "readyReplicas": 0},
            "metadata": {"name": name, "namespace": target, "resourceVersion": str(VERSION[0])},
        }


def count_down(key, limit):
    GETS[key] = GETS.get(key, 0) + 1
    return GETS[key] >= limit


def get(key):
    obj = OBJECTS.get(key)
    if obj is None:
        return status(404, "NotFound", '%s "%s" not found' % (key[1], key[3]))
    resource = key[1]
    if obj["metadata"].get("deletionTimestamp"):
        if count_down(key, ARGS.terminate_gets):
            remove(key)
            return status(404, "NotFound", '%s "%s" not found' % (resource, key[3]))
    elif resource == "jobs" and "succeeded" not in obj["status"] and count_down(key, ARGS.job_gets):
        obj["status"] = {"succeeded": 1}
    elif resource == "statefulsets" and obj["status"]["readyReplicas"] < 1 and count_down(key, ARGS.ready_gets):
        obj["status"]["readyReplicas"] = 1
    return 200, obj


def remove(key):
    OBJECTS.pop(key, None)
    APPLIED.pop(key, None)
    GETS.pop(key, None)
    gv, resource, _, name = key
    if resource == "namespaces":
        for other in [k for k in OBJECTS if k[2] == name]:
            remove(other)
    if resource == "helmcharts":
        for other in [k for k in OBJECTS if k[1] in ("jobs", "statefulsets") and k[3] in (name, "helm-install-" + name)]:
            remove(other)


def delete(key):
    obj = OBJECTS.get(key)
    if obj is None:
        return status(404, "NotFound", '%s "%s" not found' % (key[1], key[3]))
    if key[1] in ("namespaces", "helmcharts"):
        if not obj["metadata"].get("deletionTimestamp"):
            obj["metadata"]["deletionTimestamp"] = now()
            VERSION[0] += 1
            obj["metadata"]["resourceVersion"] = str(VERSION[0])
            GETS[key] = 0
            if key[1] == "namespaces":
                obj["status"] = {"phase": "Terminating"}
        return 200, obj
    remove(key)
    return 200, {"apiVersion": "v1", "kind": "Status", "status": "Success"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        print("%s %s" % (self.command, self.path), flush=True)

    def reply(self, code, body):
        data = json.dumps(body, sort_keys=True).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def client_certificate(self):
        """Whether the client presented a certificate signed by --client-ca (verified by TLS)."""
        peer = getattr(self.connection, "getpeercert", None)
        return bool(ARGS.client_ca and peer and peer())

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def client_gone(self):
        """True when the client closed its end of the connection (it has nothing more to send)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except ValueError:  # a TLS socket cannot peek: its request stays held until released
            return False
        except OSError:
            return True

    def wait_while_held(self):
        """Holds a PATCH of the held resource; False when its client went away meanwhile."""
        key = parse_path(self.path)
        if self.command != "PATCH" or key is None:
            return True
        with HOLD:
            if CONFIG["hold"] != key[1]:
                return True
            CONFIG["held"] += 1
            try:
                while CONFIG["hold"] == key[1]:
                    if self.client_gone():
                        CONFIG["dropped"] += 1
                        self.close_connection = True
                        return False
                    HOLD.wait(0.05)
                return True
            finally:
                CONFIG["held"] -= 1

    def configure(self, raw):
        settings = json.loads(raw) if raw else {}
        with HOLD:
            for name in ("ready_gets", "job_gets", "terminate_gets"):
                if name in settings:
                    setattr(ARGS, name, int(settings[name]))
            if "hold" in settings:
                CONFIG["hold"] = settings["hold"] or ""
                HOLD.notify_all()
            answer = dict(CONFIG)
        answer.update(ready_gets=ARGS.ready_gets, job_gets=ARGS.job_gets, terminate_gets=ARGS.terminate_gets)
        return self.reply(200, answer)

    def handle_any(self):
        raw = self.body()
        if self.path == "/_fake/config":
            return self.configure(raw if self.command == "POST" else b"")
        if not self.wait_while_held():
            return None
        with LOCK:
            if self.path.startswith("/_fake/"):
                if self.path == "/_fake/fail":
                    FAIL.update(json.loads(raw))
                    return self.reply(200, FAIL)
                return self.reply(200, {"/".join(k): v for k, v in sorted(OBJECTS.items())})
            auth = self.headers.get("Authorization", "")
            if ARGS.forbidden_token and auth == "Bearer " + ARGS.forbidden_token:
                return self.reply(*status(403, "Forbidden", 'User "system:serviceaccount:hexabase:readonly" cannot do this'))
            if auth != "Bearer " + ARGS.token and not self.client_certificate():
                return self.reply(*status(401, "Unauthorized", "Unauthorized"))
            if FAIL["count"] > 0:
                FAIL["count"] -= 1
                return self.reply(*status(FAIL["status"], "ServiceUnavailable", "injected failure"))
            key = parse_path(self.path)
            if key is None:
                return self.reply(*status(404, "NotFound", "the server could not find the requested resource"))
            if self.command == "GET":
                return self.reply(*get(key))
            if self.command == "DELETE":
                return self.reply(*delete(key))
            if self.command == "PATCH":
                content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                if content_type != "application/apply-patch+yaml":
                    return self.reply(*status(415, "UnsupportedMediaType", "the body of the request was in an unknown format"))
                query = dict(p.split("=", 1) for p in self.path.partition("?")[2].split("&") if "=" in p)
                manager = query.get("fieldManager", "")
                if not manager:
                    return self.reply(*status(422, "Invalid", "fieldManager: Required value: is required for apply patch"))
                try:
                    body = yaml.safe_load(raw) if yaml else json.loads(raw)
                except Exception as error:  # noqa: BLE001 - any parse error is a 400
                    return self.reply(*status(400, "BadRequest", "error decoding the body: %s" % error))
                if not isinstance(body, dict):
                    return self.reply(*status(400, "BadRequest", "the body is not an object"))
                return self.reply(*apply(key, body, manager, query.get("force") == "true"))
            return self.reply(*status(405, "MethodNotAllowed", "method not allowed"))

    do_GET = do_PATCH = do_DELETE = do_POST = do_PUT = handle_any


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--forbidden-token", default="")
    parser.add_argument("--job-gets", type=int, default=2)
    parser.add_argument("--ready-gets", type=int, default=2)
    parser.add_argument("--terminate-gets", type=int, default=2)
    parser.add_argument("--cert", default="")
    parser.add_argument("--key", default="")
    parser.add_argument("--client-ca", default="")
    ARGS = parser.parse_args()
    for name in ("default", "kube-system"):
        OBJECTS[("v1", "namespaces", "", name)] = {
            "apiVersion": "v1", "kind": "Namespace", "status": {"phase": "Active"},
            "metadata": {"name": name, "uid": str(uuid.uuid4()), "resourceVersion": "1", "creationTimestamp": now()},
        }
    server = http.server.ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    if ARGS.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(ARGS.cert, ARGS.key)
        if ARGS.client_ca:
            context.verify_mode = ssl.CERT_OPTIONAL
            context.load_verify_locations(ARGS.client_ca)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("listening on %d" % ARGS.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
