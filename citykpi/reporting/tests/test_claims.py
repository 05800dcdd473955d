"""reporting.claims (#15.2): a milestone KPI's claimed level cites evidence (a file of the
quarter or an official letter's number and date, Thai digits accepted); a published claim
without evidence is a data-quality finding (Q015); the public KPI page lists the references,
causes and corrective actions of published quarters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from citykpi.audit.models import AuditEvent
from citykpi.indicators.models import Indicator
from citykpi.lib.errors import ActionError
from citykpi.quality.models import FindingRecord
from citykpi.reporting import actions, claims, commitments
from citykpi.reporting.models import Claim, QuarterReport
from citykpi.reporting.tests.conftest import IN_Q2
from citykpi.reporting.tests.test_commitments import explain, red_quarter

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
RULE = "Q015-claim-without-evidence"


@pytest.fixture
def milestone_kpi(make_indicator, agency_a, unit_level):
    return make_indicator(
        agency_a, unit=unit_level, target=Decimal(5), scoring_method=Indicator.Method.MILESTONE
    )


def level_quarter(kpi, actor, level: str = "2") -> QuarterReport:
    report = actions.get_quarter(kpi, 2)
    actions.save_report(actor, report, result=level, narrative="ผลงาน", version=report.version, now=IN_Q2)
    report.refresh_from_db()
    return report


def test_a_claim_cites_a_letter_typed_in_thai_digits(milestone_kpi, reporter_a):
    report = level_quarter(milestone_kpi, reporter_a)
    claim = claims.add_claim(
        reporter_a,
        report,
        statement="คณะกรรมการเห็นชอบแผน",
        level="๒",
        letter_number="ที่ กท ๖๙๐๙/๑๑๑๖",
        letter_date="๑๐/๐๒/๒๕๖๖",
        now=IN_Q2,
    )
    assert claim.letter_number == "กท 6909/1116"
    assert claim.letter_date == dt.date(2023, 2, 10)
    assert claim.level == 2 and claims.is_evidenced(claim)
    event = AuditEvent.objects.get(action="claim.add")
    assert event.actor == reporter_a and event.after["letter_number"] == "กท 6909/1116"


def test_a_claim_cites_an_uploaded_file_of_its_own_quarter(milestone_kpi, reporter_a, evidence_storage):
    report = level_quarter(milestone_kpi, reporter_a)
    evidence = actions.add_evidence(reporter_a, report, SimpleUploadedFile("แผน.pdf", PDF), now=IN_Q2)
    claim = claims.add_claim(reporter_a, report, statement="แผนฉบับลงนาม", evidence=evidence, now=IN_Q2)
    assert claims.summary_of(report)["claims"] == [{"claim": claim, "evidenced": True}]


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"statement": "ระดับ 2"}, "evidence"),  # nothing cited
        ({"statement": "", "letter_number": "กท 1/2", "letter_date": "2023-02-01"}, "statement"),
        ({"statement": "ก", "letter_number": "กท 1/2"}, "letter_date"),
        ({"statement": "ก", "letter_date": "2023-02-01"}, "letter_number"),
        ({"statement": "ก", "letter_number": "ด่วนที่สุด", "letter_date": "2023-02-01"}, "letter_number"),
        ({"statement": "ก", "letter_number": "กท 1/2", "letter_date": "2023-12-01"}, "letter_date"),  # future
        ({"statement": "ก", "letter_number": "กท 1/2", "letter_date": "2023-02-01", "level": "2.5"}, "level"),
    ],
)
def test_a_claim_without_usable_evidence_is_refused_naming_the_field(
    milestone_kpi, reporter_a, fields, field
):
    report = level_quarter(milestone_kpi, reporter_a)
    with pytest.raises(ActionError) as info:
        claims.add_claim(reporter_a, report, now=IN_Q2, **fields)
    assert info.value.field == field
    assert not Claim.objects.exists()


def test_a_file_of_another_quarter_cannot_be_cited(milestone_kpi, reporter_a, evidence_storage):
    q3 = actions.get_quarter(milestone_kpi, 3)
    other = actions.add_evidence(reporter_a, q3, SimpleUploadedFile("q3.pdf", PDF), now=IN_Q2)
    report = level_quarter(milestone_kpi, reporter_a)
    with pytest.raises(ActionError) as info:
        claims.add_claim(reporter_a, report, statement="ก", evidence=other, now=IN_Q2)
    assert info.value.field == "evidence"


def test_a_submitted_level_without_evidence_is_a_finding_until_a_claim_cites_some(
    milestone_kpi, reporter_a, head_a, evidence_storage
):
    report = level_quarter(milestone_kpi, head_a)
    actions.submit_report(head_a, report, now=IN_Q2)
    finding = FindingRecord.objects.get(indicator=milestone_kpi, rule=RULE)
    assert finding.quarter == 2 and finding.severity == "warning"
    # Returned to fix: the claim clears the finding when the quarter goes out again.
    QuarterReport.objects.filter(pk=report.pk).update(status=QuarterReport.Status.RETURNED)
    report.refresh_from_db()
    evidence = actions.add_evidence(head_a, report, SimpleUploadedFile("แผน.pdf", PDF), now=IN_Q2)
    claim = claims.add_claim(head_a, report, statement="ระดับ 2", evidence=evidence, now=IN_Q2)
    actions.submit_report(head_a, report, now=IN_Q2)
    assert not FindingRecord.objects.filter(indicator=milestone_kpi, rule=RULE).exists()
    # The cited file withdrawn, the claim has nothing left: a finding again.
    QuarterReport.objects.filter(pk=report.pk).update(status=QuarterReport.Status.RETURNED)
    actions.remove_evidence(head_a, evidence, now=IN_Q2)
    claim.refresh_from_db()
    assert not claims.is_evidenced(claim)
    report.refresh_from_db()
    actions.submit_report(head_a, report, now=IN_Q2)
    assert FindingRecord.objects.filter(indicator=milestone_kpi, rule=RULE).exists()


def test_a_kpi_not_needing_proof_has_no_such_finding(kpi_a, head_a):
    report = actions.get_quarter(kpi_a, 2)
    actions.save_report(head_a, report, result="50", narrative="ผล", version=report.version, now=IN_Q2)
    actions.submit_report(head_a, report, now=IN_Q2)
    assert not FindingRecord.objects.filter(rule=RULE).exists()


def test_a_definition_that_asks_for_proof_is_followed(make_indicator, agency_a, head_a):
    kpi = make_indicator(agency_a, scoring_config={"evidence_required": True})
    report = actions.get_quarter(kpi, 2)
    actions.save_report(head_a, report, result="50", narrative="ผล", version=report.version, now=IN_Q2)
    actions.submit_report(head_a, report, now=IN_Q2)
    assert FindingRecord.objects.filter(indicator=kpi, rule=RULE).exists()


def test_removing_a_claim_is_audited_and_refreshes_the_findings(milestone_kpi, head_a):
    report = level_quarter(milestone_kpi, head_a)
    claim = claims.add_claim(
        head_a, report, statement="ก", letter_number="กท 1/2", letter_date="2023-02-01", now=IN_Q2
    )
    claims.remove_claim(head_a, claim, now=IN_Q2)
    claim.refresh_from_db()
    assert claim.is_removed
    assert AuditEvent.objects.filter(action="claim.remove").count() == 1
    assert claims.claims_of(report) == []


def test_the_public_page_lists_causes_actions_and_references_of_published_quarters(
    client, kpi_a, milestone_kpi, head_a
):
    red = red_quarter(kpi_a, head_a)
    explain(head_a, red)
    actions.submit_report(head_a, red, now=IN_Q2)
    level = level_quarter(milestone_kpi, head_a)
    claims.add_claim(
        head_a,
        level,
        statement="เสนอแผนต่อผู้บริหาร",
        level="2",
        letter_number="กท 0409/77",
        letter_date="2023-02-01",
        now=IN_Q2,
    )
    draft_text = client.get(f"/kpi/{milestone_kpi.code}/").content.decode()
    assert "กท 0409/77" not in draft_text  # a draft's references are not public
    actions.submit_report(head_a, level, now=IN_Q2)

    page = client.get(f"/kpi/{kpi_a.code}/").content.decode()
    assert "การจัดซื้อจัดจ้าง" in page and "ประกาศประกวดราคาใหม่" in page and "หัวหน้างานพัสดุ" in page
    page = client.get(f"/kpi/{milestone_kpi.code}/").content.decode()
    assert "กท 0409/77" in page and "เสนอแผนต่อผู้บริหาร" in page


def test_the_public_document_follows_a_commitments_later_update(client, kpi_a, head_a, settings):
    settings.PUBLIC_CACHE_SECONDS = 300  # stored documents, rebuilt on commit
    red = red_quarter(kpi_a, head_a)
    commitment = explain(head_a, red)
    actions.submit_report(head_a, red, now=IN_Q2)
    assert "กำลังดำเนินการ" in client.get(f"/kpi/{kpi_a.code}/").content.decode()
    q3 = actions.get_quarter(kpi_a, 3)
    commitments.update_commitment(head_a, commitment, on=q3, status="done", now=IN_Q2)
    page = client.get(f"/kpi/{kpi_a.code}/").content.decode()
    assert "ดำเนินการแล้ว" in page and "กำลังดำเนินการ" not in page


def test_claims_are_listed_beside_their_evidence_for_the_form(milestone_kpi, reporter_a):
    report = level_quarter(milestone_kpi, reporter_a)
    assert claims.summary_of(report)["missing"] is True
    claims.add_claim(
        reporter_a, report, statement="ก", letter_number="กท 1/2", letter_date="2023-02-01", now=IN_Q2
    )
    summary = claims.summary_of(report)
    assert summary["missing"] is False and summary["needs_proof"] is True
