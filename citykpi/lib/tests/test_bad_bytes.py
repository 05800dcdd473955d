"""Bad bytes (NUL, lone surrogates) get a clear bilingual 400, never a 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from citykpi.lib.badbytes import BadBytesMiddleware, problem

pytestmark = pytest.mark.django_db

LONE_SURROGATE_BODY = b'{"narrative": "\\ud800"}'


def test_problem_names_nul_and_lone_surrogates_and_passes_thai():
    assert problem("a\x00b") == "NUL"
    assert problem("\ud800") == "surrogate"
    assert problem("การคัดแยกมูลฝอย 😀") is None


def test_a_nul_in_the_home_search_is_a_bilingual_400(client):
    response = client.get("/?q=%00")
    assert response.status_code == 400
    text = response.content.decode()
    assert "ข้อมูลในช่อง q มีอักขระที่ไม่อนุญาต (NUL)" in text
    assert "The field q contains a character that is not allowed (NUL)" in text
    assert text.index("ข้อมูลในช่อง") < text.index("The field")


def test_a_nul_in_a_path_is_a_400(client):
    assert client.get("/kpi/ab%00cd/").status_code == 400


def test_a_nul_in_the_api_search_is_a_json_400_naming_q(client):
    response = client.get("/api/v1/kpis?q=%00")
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "q"
    assert body["message_th"] == "ข้อมูลในช่อง q มีอักขระที่ไม่อนุญาต (NUL)"
    assert body["message_en"] == "The field q contains a character that is not allowed (NUL)"
    assert body["message"] == f"{body['message_th']} / {body['message_en']}"


def test_a_lone_surrogate_in_a_json_body_is_a_json_400(client):
    response = client.post("/api/v1/auth/token", data=LONE_SURROGATE_BODY, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "narrative"
    assert "lone surrogate" in body["message_en"]
    assert body["message_th"].startswith("ข้อมูลในช่อง narrative")


def test_a_nul_in_a_nested_json_string_or_key_is_a_400(client):
    nested = b'{"username": "a", "password": "b", "items": [{"text": "x\\u0000y"}]}'
    response = client.post("/api/v1/auth/token", data=nested, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "items[0].text"
    bad_key = b'{"\\u0000": "x"}'
    response = client.post("/api/v1/auth/token", data=bad_key, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "\\x00"


def test_a_nul_in_a_form_field_is_a_400(client):
    response = client.post("/accounts/login/", {"username": "reporter", "password": "x\x00y"})
    assert response.status_code == 400
    assert "The field password contains a character that is not allowed (NUL)" in response.content.decode()


def test_a_nul_in_a_multipart_field_is_a_400_but_file_contents_are_not_checked(client):
    upload = SimpleUploadedFile("data.bin", b"\x00\x01binary\x00", content_type="application/octet-stream")
    response = client.post("/accounts/login/", {"username": "a\x00", "file": upload})
    assert response.status_code == 400
    upload = SimpleUploadedFile("data.bin", b"\x00\x01binary\x00", content_type="application/octet-stream")
    response = client.post("/accounts/login/", {"username": "someone", "password": "wrong", "file": upload})
    assert "not allowed" not in response.content.decode()
    assert response.status_code < 500


def test_the_middleware_leaves_file_contents_and_csrf_alone():
    factory = RequestFactory()
    upload = SimpleUploadedFile("ไฟล์.xlsx", b"PK\x00\x00", content_type="application/octet-stream")
    request = factory.post("/anything/", {"note": "ผลการดำเนินงาน", "file": upload})
    seen = []
    middleware = BadBytesMiddleware(lambda req: seen.append(req.FILES["file"].read()) or "passed")
    assert middleware(request) == "passed"
    assert seen == [b"PK\x00\x00"]


def test_normal_thai_text_passes(client):
    assert client.get("/", {"q": "การคัดแยกมูลฝอย"}).status_code == 200
    assert client.get("/api/v1/kpis", {"q": "มูลฝอย"}).status_code == 200
    thai = '{"username": "ผู้ใช้", "password": "รหัสผ่าน"}'.encode()
    response = client.post("/api/v1/auth/token", data=thai, content_type="application/json")
    assert response.status_code == 401
    response = client.post("/accounts/login/", {"username": "ผู้ใช้", "password": "รหัสผ่าน"})
    assert response.status_code in (200, 302)


def test_broken_json_is_left_to_the_api(client):
    response = client.post("/api/v1/auth/token", data=b"{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert "not allowed" not in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"year": "²"},
        {"node": "²"},
        {"dimension": "²"},
        {"year": "abc"},
        {"year": "99999999999999999999999"},
        {"node": "99999999999999999999999"},
        {"dimension": "99999999999999999999999"},
    ],
)
def test_odd_or_huge_ids_in_the_finder_are_not_a_500(client, params):
    """str.isdigit() accepts superscripts that int() refuses; huge ids must not overflow."""
    assert client.get("/", params).status_code == 200
