"""The staff page of the setup workbook (/exchange/setup/), the first-run checklist on the
administrator's home page, and the deploy check of a new instance."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from citykpi.accounts.models import Membership, Role
from citykpi.agencies.models import Agency
from citykpi.conftest import PASSWORD
from citykpi.exchange.checks import an_evaluator_and_a_published_year
from citykpi.exchange.setup import workbook as W
from citykpi.exchange.setup.checklist import first_run_checklist
from citykpi.exchange.setup.export import workbook_bytes
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.planning.models import Setup


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def one_agency_year(db, agency_a, fiscal_year, make_indicator):
    make_indicator(agency_a, code="0409-0950", weight=Decimal("100"))
    return fiscal_year


def upload(data: bytes, name: str = "setup.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def edited(data: bytes, name_th: str) -> bytes:
    book = load_workbook(io.BytesIO(data))
    book[W.AGENCIES.title].cell(row=W.FIRST_ROW, column=W.AGENCIES.index("name_th")).value = name_th
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------ who may use the page


def test_anonymous_is_sent_to_log_in(client, db):
    response = client.get("/exchange/setup/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["reporter_a", "head_a", "evaluator", "executive"])
def test_only_an_administrator_opens_the_setup_page(client, persona, request):
    login(client, request.getfixturevalue(persona))
    assert client.get("/exchange/setup/").status_code == 403
    assert client.post("/exchange/setup/upload/", {"file": upload(b"x")}).status_code == 403


def test_the_setup_page_refuses_the_wrong_method(client, administrator):
    login(client, administrator)
    assert client.post("/exchange/setup/").status_code == 405
    assert client.get("/exchange/setup/upload/").status_code == 405
    assert client.get("/exchange/setup/confirm/").status_code == 405


def test_the_administrator_downloads_a_years_workbook(client, administrator, one_agency_year):
    login(client, administrator)
    page = client.get("/exchange/setup/")
    assert page.status_code == 200 and "first-run-checklist" in page.content.decode()
    response = client.get("/exchange/setup/export/?year=๒๕๖๖")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="citykpi-setup-2566.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == W.INSTRUCTIONS_SHEET
    assert [s.title for s in W.SHEETS] == [n for n in book.sheetnames if not n.startswith("_")][1:]
    kpis = book[W.KPIS.title]
    assert (
        kpis.cell(row=1, column=1).value.startswith("รหัสตัวชี้วัด")
        and kpis.cell(row=2, column=1).value == "KPI code"
    )
    assert kpis.cell(row=W.FIRST_ROW, column=1).value == "0409-0950"
    # A dropdown on every closed list.
    validated = {
        str(dv.sqref).split(":")[0].rstrip("0123456789") for dv in kpis.data_validations.dataValidation
    }
    for column in W.KPIS.columns:
        if column.choices:
            assert W.KPIS.letter(column.key) in validated, column.key
    assert client.get("/exchange/setup/export/?year=2400").status_code == 400


def test_the_upload_shows_the_dry_run_and_the_confirmation_writes_the_same_file(
    client, administrator, one_agency_year
):
    login(client, administrator)
    data = edited(workbook_bytes(2566), "สถาบันพัฒนาข้าราชการกรุงเทพมหานคร (ชื่อใหม่)")
    page = client.post("/exchange/setup/upload/", {"file": upload(data)})
    assert page.status_code == 200
    html = page.content.decode()
    assert "(ชื่อใหม่)" in html and "setup-confirm" in html
    assert Agency.objects.get(code="0409").name_th == "สถาบันพัฒนาข้าราชการกรุงเทพมหานคร"  # nothing yet
    token = page.context["token"]
    digest = page.context["plan"].digest

    # Another digest (a different file behind the same token) is refused.
    assert client.post("/exchange/setup/confirm/", {"token": token, "digest": "0" * 64}).status_code == 400
    done = client.post("/exchange/setup/confirm/", {"token": token, "digest": digest})
    assert done.status_code == 200 and done.context["plan"].committed
    assert Agency.objects.get(code="0409").name_th.endswith("(ชื่อใหม่)")
    # The token is spent.
    assert client.post("/exchange/setup/confirm/", {"token": token, "digest": digest}).status_code == 400


def test_an_upload_with_problems_lists_them_and_offers_no_confirmation(
    client, administrator, one_agency_year
):
    login(client, administrator)
    page = client.post("/exchange/setup/upload/", {"file": upload(edited(workbook_bytes(2566), ""))})
    assert page.status_code == 422
    html = page.content.decode()
    assert "setup-problems" in html and "setup-confirm" not in html
    assert "ต้องกรอก" in html and "is required" in html


# ------------------------------------------------------------------ the checklist


def test_an_empty_instance_shows_the_administrator_every_missing_step_on_the_home_page(client, administrator):
    login(client, administrator)
    html = client.get("/work/").content.decode()
    assert "first-run-checklist" in html
    for key in ("organisation", "people", "plans", "year", "kpis", "approvals", "published"):
        assert f'id="step-{key}" class="todo"' in html, key
    assert 'href="/exchange/setup/"' in html and 'href="/setup/"' in html


def test_a_reporter_sees_no_checklist(client, reporter_a):
    login(client, reporter_a)
    assert "first-run-checklist" not in client.get("/work/").content.decode()


def test_the_checklist_follows_the_setup_until_every_step_is_done(
    db, agency_a, fiscal_year, make_indicator, evaluator, reporter_a
):
    steps = {s.key: s for s in first_run_checklist().steps}
    assert steps["organisation"].done and steps["people"].done and steps["year"].done
    assert not steps["plans"].done and not steps["kpis"].done and "0409" in steps["kpis"].detail_en
    make_indicator(agency_a, code="0409-0950", weight=Decimal("100"))
    steps = {s.key: s for s in first_run_checklist().steps}
    assert steps["kpis"].done and not steps["approvals"].done and "0409" in steps["approvals"].detail_th
    Setup.objects.create(agency=agency_a, fiscal_year=fiscal_year, state=Setup.State.APPROVED)
    reporter_a.set_unusable_password()
    reporter_a.save()
    steps = {s.key: s for s in first_run_checklist().steps}
    assert steps["approvals"].done and steps["published"].done  # the fixture's year is published
    assert not steps["people"].done and "reporter-a" in steps["people"].detail_en
    assert steps["people"].url == "/admin/auth/user/"


# ------------------------------------------------------------------ the deploy check


def test_the_deploy_check_reports_no_evaluator_and_no_published_year(db):
    assert {m.id for m in an_evaluator_and_a_published_year()} == {"citykpi.W101", "citykpi.W102"}
    FiscalYear.objects.create(year=2567, is_published=False)
    assert "citykpi.W102" in {m.id for m in an_evaluator_and_a_published_year()}


def test_the_deploy_check_is_quiet_with_an_evaluator_and_a_published_year(evaluator, fiscal_year):
    assert an_evaluator_and_a_published_year() == []
    Membership.objects.filter(role=Role.EVALUATOR).delete()
    assert [m.id for m in an_evaluator_and_a_published_year()] == ["citykpi.W101"]


def test_the_deploy_check_runs_with_check_deploy(db, capsys):
    call_command("check", "--deploy", "--tag", "setup")
    assert "citykpi.W101" in capsys.readouterr().err


# ------------------------------------------------------------------ the commands


def test_the_commands_export_and_import_a_setup_workbook(tmp_path, one_agency_year, capsys):
    path = tmp_path / "setup.xlsx"
    call_command("export-setup", "--year", "2566", str(path))
    path.write_bytes(edited(path.read_bytes(), "ชื่อจากไฟล์"))
    call_command("import-setup", str(path))
    out = capsys.readouterr().out
    assert "ชื่อจากไฟล์" in out and "dry run: 1 row(s) would change" in out
    assert Agency.objects.get(code="0409").name_th != "ชื่อจากไฟล์"
    call_command("import-setup", str(path), "--commit")
    assert Agency.objects.get(code="0409").name_th == "ชื่อจากไฟล์"
    assert Indicator.objects.count() == 1


def test_the_administrators_home_page_reads_the_checklist_in_a_bounded_number_of_queries(
    client, administrator, agency_a, agency_b, fiscal_year, make_indicator, django_assert_max_num_queries
):
    login(client, administrator)
    with django_assert_max_num_queries(30) as few:
        assert client.get("/work/").status_code == 200
    for number in range(10):
        agency = Agency.objects.create(code=f"07{number:02d}", name_th=f"หน่วยงาน {number}")
        make_indicator(agency, weight=Decimal("100"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/work/").status_code == 200


def test_the_exchange_page_links_the_setup_workbook_for_administrators_only(client, admin_user, evaluator):
    client.force_login(admin_user)
    assert "/exchange/setup/" in client.get("/exchange/").content.decode()
    client.force_login(evaluator)
    assert "/exchange/setup/" not in client.get("/exchange/").content.decode()
