"""Checks docs/openapi.yaml against the edge's route table (run by Tests/EdgeTests/RouteTableTests.swift).

    python3 openapi_document.py <openapi.yaml> "<method> <path> <status> <none|bearer|ingestion_token>" ...

1. The document is valid OpenAPI 3.1 (openapi-spec-validator, PyPI).
2. Every route is an operation of the document, with its success status, a tag, and exactly the
   security schemes of its authentication: none, `bearerAuth` (an access token), or
   `ingestionToken` and `ingestionTokenBasic` (a workspace's log ingestion token, either way).
3. Every /api/ operation of the document is a route (no operation the edge does not serve).
"""
import sys

# The security schemes an operation must list for each kind of authentication of a route.
SCHEMES = {
    "none": set(),
    "bearer": {"bearerAuth"},
    "ingestion_token": {"ingestionToken", "ingestionTokenBasic"},
}

from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename


def main() -> int:
    document, _ = read_from_filename(sys.argv[1])
    validate(document)
    print("valid OpenAPI", document["openapi"], "version", document["info"]["version"])
    problems = []
    routes = set()
    for argument in sys.argv[2:]:
        method, path, status, authentication = argument.split(" ")
        routes.add((method, path))
        operation = document["paths"].get(path, {}).get(method)
        if operation is None:
            problems.append(f"{method.upper()} {path}: not in the document")
            continue
        if status not in operation.get("responses", {}):
            problems.append(f"{method.upper()} {path}: no {status} response")
        if not operation.get("tags"):
            problems.append(f"{method.upper()} {path}: no tag")
        security = operation.get("security", document.get("security", []))
        schemes = {name for requirement in security for name in requirement}
        if schemes != SCHEMES[authentication]:
            problems.append(f"{method.upper()} {path}: security {sorted(schemes)} does not match authentication {authentication}")
    for path, item in document["paths"].items():
        for method in ("get", "put", "post", "patch", "delete"):
            if path.startswith("/api/") and method in item and (method, path) not in routes:
                problems.append(f"{method.upper()} {path}: in the document but not a route")
    for problem in problems:
        print("problem:", problem)
    if problems:
        return 1
    print(f"all {len(routes)} routes documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
