#!/usr/bin/env python3
"""Reads YAML documents from FILE with PyYAML (YAML 1.1, as Kubernetes tooling does) and prints
them as one JSON array, keys sorted, so a test can compare what a reader sees with what was
written. Values YAML 1.1 reads as non-JSON types (dates, sets) fail loudly."""
import json
import sys

import yaml

with open(sys.argv[1], encoding="utf-8") as handle:
    print(json.dumps(list(yaml.safe_load_all(handle.read())), sort_keys=True))
