"""/api/v1/openapi.json: every operation (open data, the token, the workflow, planning)
frozen in a committed snapshot; the open-data part described in Thai and English on every
operation, parameter and field; every error documented as the one ErrorOut shape.

When you change the API on purpose, refresh the snapshot with
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


def full_schema() -> dict:
    from citykpi.api.core import api

    return api.get_openapi_schema()


def render(schema: dict) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@pytest.mark.django_db
def test_the_api_schema_matches_the_committed_snapshot(client):
    served = client.get("/api/v1/openapi.json").json()
    current = render(served)
    assert SNAPSHOT.exists(), f"No snapshot yet: create it with `{REFRESH}`"
    committed = SNAPSHOT.read_text(encoding="utf-8")
    assert current == committed, (
        "The API schema changed. If the change is intended, refresh the snapshot "
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


OPEN_DATA = [
    "GET /api/v1/kpis",
    "GET /api/v1/kpis/{code}",
    "GET /api/v1/agencies",
    "GET /api/v1/agencies/{code}",
    "GET /api/v1/strategy",
    "GET /api/v1/projects",
    "GET /api/v1/projects/{code}",
    "GET /api/v1/city-indicators",
    "GET /api/v1/city-indicators/{id}",
]
WORKFLOW = [
    "PUT /api/v1/kpis/{code}/quarters/{quarter}/report",
    "POST /api/v1/kpis/{code}/quarters/{quarter}/submit",
    "POST /api/v1/quarters/submit",
    "POST /api/v1/kpis/{code}/quarters/{quarter}/return",
    "POST /api/v1/kpis/{code}/quarters/{quarter}/assessment",
    "POST /api/v1/kpis/{code}/quarters/{quarter}/reopen",
]
PLANNING = [
    "GET /api/v1/templates",
    "POST /api/v1/templates",
    "GET /api/v1/templates/{template_id}",
    "POST /api/v1/templates/{template_id}/assign",
    "POST /api/v1/templates/{template_id}/deactivate",
    "POST /api/v1/templates/{template_id}/activate",
    "GET /api/v1/kpis/{code}/plan",
    "PUT /api/v1/kpis/{code}/plan",
    "GET /api/v1/setups/{agency}/{year}",
    "POST /api/v1/setups/{agency}/{year}/propose",
    "POST /api/v1/setups/{agency}/{year}/comment",
    "POST /api/v1/setups/{agency}/{year}/approve",
    "POST /api/v1/setups/{agency}/{year}/reopen",
    "GET /api/v1/fiscal-years/{year}/setup",
    "POST /api/v1/fiscal-years/{year}/publish",
]
EVERY_OPERATION = ["POST /api/v1/auth/token", *OPEN_DATA, *WORKFLOW, *PLANNING]


def operations(schema: dict) -> dict[str, dict]:
    return {
        f"{method.upper()} {path}": op for path, ops in schema["paths"].items() for method, op in ops.items()
    }


def test_the_snapshot_holds_every_operation_of_the_api():
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert sorted(operations(snapshot)) == sorted(EVERY_OPERATION)


def error_codes(op: dict) -> set[int]:
    return {int(code) for code in op["responses"] if int(code) >= 400}


def test_every_error_an_operation_documents_is_the_one_error_shape():
    schema = full_schema()
    assert "ErrorOut" in schema["components"]["schemas"]
    assert "OpenMessage" not in schema["components"]["schemas"]
    wrong = []
    for name, op in operations(schema).items():
        for code, response in op["responses"].items():
            if int(code) < 400:
                continue
            body = response["content"]["application/json"]["schema"]
            if body != {"$ref": "#/components/schemas/ErrorOut"}:
                wrong.append(f"{name} {code}: {body}")
    assert not wrong, wrong


def test_each_operation_documents_the_error_codes_it_answers():
    # 400: bad bytes (citykpi.lib.badbytes) or a body that is not JSON; 422: a value outside
    # the schema. Every operation may answer both.
    ops = operations(full_schema())
    for name in OPEN_DATA:
        expected = {400, 422, 404} if "{" in name else {400, 422}
        assert error_codes(ops[name]) == expected, name
    assert error_codes(ops["POST /api/v1/auth/token"]) == {400, 401, 422, 429}
    for name in WORKFLOW:
        assert error_codes(ops[name]) == {400, 401, 403, 404, 409, 422}, name
    for name in PLANNING:
        expected = {400, 401, 403, 404, 422} | ({409} if name == "PUT /api/v1/kpis/{code}/plan" else set())
        assert error_codes(ops[name]) == expected, name


if __name__ == "__main__":  # the refresh command named in the failure message
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citykpi.settings")
    django.setup()
    SNAPSHOT.write_text(render(full_schema()), encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
