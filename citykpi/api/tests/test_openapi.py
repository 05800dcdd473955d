"""The open-data part of /api/v1/openapi.json: frozen in a committed snapshot, described
in Thai and English on every operation, parameter and field.

When you change the open-data API on purpose, refresh the snapshot with
    .venv/bin/python -m citykpi.api.tests.test_openapi
and commit citykpi/api/openapi.snapshot.json with your change.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

SNAPSHOT = Path(__file__).resolve().parents[1] / "openapi.snapshot.json"
REFRESH = ".venv/bin/python -m citykpi.api.tests.test_openapi"
THAI = re.compile("[\u0e01-\u0e5b]")
LATIN = re.compile("[A-Za-z]{3,}")


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def open_data_schema(full: dict | None = None) -> dict:
    """The open-data operations of the API's schema with the component schemas they use."""
    if full is None:
        from citykpi.api.core import api

        full = api.get_openapi_schema()
    paths = {
        path: {"get": ops["get"]}
        for path, ops in full["paths"].items()
        if "opendata" in ops.get("get", {}).get("tags", [])
    }
    components = full.get("components", {}).get("schemas", {})
    wanted: set[str] = set()
    _refs(paths, wanted)
    while True:
        more: set[str] = set()
        for name in wanted:
            _refs(components.get(name, {}), more)
        if more <= wanted:
            break
        wanted |= more
    return {
        "openapi": full["openapi"],
        "info": full["info"],
        "paths": paths,
        "components": {"schemas": {name: components[name] for name in sorted(wanted)}},
    }


def render(schema: dict) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@pytest.mark.django_db
def test_open_data_schema_matches_the_committed_snapshot(client):
    served = client.get("/api/v1/openapi.json").json()
    current = render(open_data_schema(served))
    assert SNAPSHOT.exists(), f"No snapshot yet: create it with `{REFRESH}`"
    committed = SNAPSHOT.read_text(encoding="utf-8")
    assert current == committed, (
        "The open-data API schema changed. If the change is intended, refresh the snapshot "
        f"with `{REFRESH}` and commit citykpi/api/openapi.snapshot.json; otherwise undo the change."
    )


def _is_bilingual(text: str | None) -> bool:
    return bool(text) and bool(THAI.search(text)) and bool(LATIN.search(text))


def test_every_open_data_operation_parameter_and_field_is_described_in_thai_and_english():
    schema = open_data_schema()
    missing = []
    for path, ops in schema["paths"].items():
        op = ops["get"]
        if not (_is_bilingual(op.get("summary")) and _is_bilingual(op.get("description"))):
            missing.append(f"{path}: summary/description")
        for param in op.get("parameters", []):
            if not _is_bilingual(param.get("description")):
                missing.append(f"{path}?{param['name']}")
    for name, component in schema["components"]["schemas"].items():
        for field, spec in component.get("properties", {}).items():
            if not _is_bilingual(spec.get("description")):
                missing.append(f"{name}.{field}")
    assert not missing, missing


def test_the_snapshot_holds_every_open_data_endpoint():
    paths = set(json.loads(SNAPSHOT.read_text(encoding="utf-8"))["paths"])
    assert paths == {
        "/api/v1/kpis",
        "/api/v1/kpis/{code}",
        "/api/v1/agencies",
        "/api/v1/agencies/{code}",
        "/api/v1/strategy",
        "/api/v1/projects",
        "/api/v1/projects/{code}",
        "/api/v1/city-indicators",
        "/api/v1/city-indicators/{id}",
    }


if __name__ == "__main__":  # the refresh command named in the failure message
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citykpi.settings")
    django.setup()
    SNAPSHOT.write_text(render(open_data_schema()), encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
