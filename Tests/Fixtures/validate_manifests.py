#!/usr/bin/env python3
"""Validates rendered Kubernetes manifests offline, for the rendering tests.

Usage: validate_manifests.py FILE_OR_FOLDER... ; prints a JSON summary
{"objects": [[apiVersion, kind, namespace, name], ...], "errors": [...]} and exits 1 on errors.

Every document is read with PyYAML and checked for what the API server requires of any object
(apiVersion, kind, metadata.name, a namespace exactly when the kind is namespaced, DNS-1123
names, label key and value syntax). Built-in kinds are validated against the Kubernetes
OpenAPI schemas shipped by kubernetes-validate (strict: unknown fields are errors). The CRDs
(helm.cattle.io HelmChart, hnc.x-k8s.io SubnamespaceAnchor) are checked structurally, and a
HelmChart's valuesContent is parsed and the manifests in its vCluster deploy values are
validated the same way, recursively.
"""
import json
import os
import re
import sys

import kubernetes_validate
import yaml

KUBERNETES_VERSION = "1.30.0"
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding"}
RBAC = {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
CUSTOM = {("helm.cattle.io/v1", "HelmChart"), ("hnc.x-k8s.io/v1alpha2", "SubnamespaceAnchor")}

objects, errors = [], []


def check_labels(where, labels):
    if not isinstance(labels, dict):
        errors.append("%s: labels is not a map" % where)
        return
    for key, value in labels.items():
        prefix, _, name = key.rpartition("/")
        if prefix and (len(prefix) > 253 or not DNS_SUBDOMAIN.match(prefix)):
            errors.append("%s: label key prefix %r invalid" % (where, key))
        if len(name) > 63 or not LABEL_NAME.match(name):
            errors.append("%s: label key %r invalid" % (where, key))
        if not isinstance(value, str) or len(value) > 63 or (value and not LABEL_NAME.match(value)):
            errors.append("%s: label value %r of %r invalid" % (where, value, key))


def check_name(where, kind, name):
    if not isinstance(name, str) or not name:
        errors.append("%s: metadata.name missing" % where)
    elif kind == "Namespace":
        if len(name) > 63 or not DNS_LABEL.match(name):
            errors.append("%s: namespace name %r is not a DNS-1123 label" % (where, name))
    elif kind in RBAC:
        if name in (".", "..") or "/" in name or "%" in name:
            errors.append("%s: RBAC name %r is not a valid path segment" % (where, name))
    elif len(name) > 253 or not DNS_SUBDOMAIN.match(name):
        errors.append("%s: name %r is not a DNS-1123 subdomain" % (where, name))


def check_custom(where, doc):
    kind, spec = doc["kind"], doc.get("spec")
    if kind == "SubnamespaceAnchor":
        if spec not in (None, {}):
            errors.append("%s: a SubnamespaceAnchor has no spec fields" % where)
        return
    if not isinstance(spec, dict):
        errors.append("%s: HelmChart without spec" % where)
        return
    for field in ("chart", "repo", "version", "targetNamespace", "valuesContent"):
        if not isinstance(spec.get(field), str) or not spec[field]:
            errors.append("%s: spec.%s must be a non-empty string" % (where, field))
    unknown = set(spec) - {"chart", "repo", "version", "targetNamespace", "valuesContent", "createNamespace", "set", "helmVersion",
                           "bootstrap", "chartContent", "jobImage", "timeout", "failurePolicy", "authSecret", "repoCA"}
    if unknown:
        errors.append("%s: unknown HelmChart spec fields %s" % (where, sorted(unknown)))
    try:
        values = yaml.safe_load(spec.get("valuesContent") or "")
    except yaml.YAMLError as error:
        errors.append("%s: valuesContent is not YAML: %s" % (where, error))
        return
    if not isinstance(values, dict):
        errors.append("%s: valuesContent is not a map" % where)
        return
    manifests = (((values.get("experimental") or {}).get("deploy") or {}).get("vcluster") or {}).get("manifests")
    if manifests:
        check_text(where + " deploy manifests", manifests)


def check_document(where, doc):
    if not isinstance(doc, dict):
        errors.append("%s: not a map" % where)
        return
    api_version, kind = doc.get("apiVersion"), doc.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        errors.append("%s: apiVersion and kind are required" % where)
        return
    if kind == "Kustomization":
        return
    meta = doc.get("metadata") or {}
    where = "%s %s/%s" % (where, kind, meta.get("name"))
    check_name(where, kind, meta.get("name"))
    namespace = meta.get("namespace")
    if kind in CLUSTER_SCOPED and namespace is not None:
        errors.append("%s: cluster-scoped object with a namespace" % where)
    if kind not in CLUSTER_SCOPED and (not isinstance(namespace, str) or not DNS_LABEL.match(namespace)):
        errors.append("%s: namespaced object without a valid namespace" % where)
    check_labels(where, meta.get("labels", {}))
    objects.append([api_version, kind, namespace, meta.get("name")])
    if (api_version, kind) in CUSTOM:
        check_custom(where, doc)
        return
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        errors.append("%s: schema: %s at %s" % (where, error.message, "/".join(str(p) for p in error.path)))
    except kubernetes_validate.SchemaNotFoundError:
        errors.append("%s: no schema for %s %s" % (where, api_version, kind))


def check_text(where, text):
    try:
        docs = list(yaml.safe_load_all(text))
    except yaml.YAMLError as error:
        errors.append("%s: not YAML: %s" % (where, error))
        return
    for index, doc in enumerate(docs):
        if doc is not None:
            check_document("%s[%d]" % (where, index), doc)


def main():
    paths = []
    for argument in sys.argv[1:]:
        if os.path.isdir(argument):
            paths += [os.path.join(argument, name) for name in sorted(os.listdir(argument)) if name.endswith(".yaml")]
        else:
            paths.append(argument)
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            check_text(os.path.basename(path), handle.read())
    print(json.dumps({"objects": objects, "errors": errors}, sort_keys=True))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
