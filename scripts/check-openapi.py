#!/usr/bin/env python3
"""Checks an OpenAPI document: valid OpenAPI (openapi-spec-validator), and every `example`
in it fits the schema beside it. Usage: check-openapi.py [openapi.json]; exit 1 on a problem."""
import json
import sys

import jsonschema
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "openapi.json"
    with open(path, encoding="utf-8") as f:
        document = json.load(f)
    try:
        validate(document)
    except Exception as error:  # the validator's own message names the place
        print(f"{path}: not valid OpenAPI: {error}")
        return 1

    # Schemas refer to each other as #/components/schemas/…: resolve them in the document.
    registry = Registry().with_resource("urn:doc", Resource(contents=document, specification=DRAFT202012))
    problems = []

    def check(example, where):
        validator = jsonschema.Draft202012Validator({"$ref": "urn:doc#" + where}, registry=registry)
        for error in validator.iter_errors(example):
            at = "/".join(map(str, error.absolute_path)) or "top"
            problems.append(f"the example at {where} does not fit its schema: {error.message} (at {at})")

    def walk(node, pointer):
        if isinstance(node, dict):
            if "example" in node:
                if "schema" in node:  # a media type or parameter object
                    check(node["example"], pointer + "/schema")
                elif "type" in node or "oneOf" in node or "properties" in node:  # a schema object
                    check(node["example"], pointer)
            for key, value in node.items():
                walk(value, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{pointer}/{i}")

    walk(document, "")
    for problem in problems:
        print(f"{path}: {problem}")
    if not problems:
        print(f"{path}: OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
