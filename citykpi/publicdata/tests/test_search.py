"""The public word search (citykpi.publicdata.search) on the database the suite runs on
(SQLite's FTS5 or PostgreSQL's tsvector): Thai word boundaries, synonyms, agency and
district names, English names, narratives, ranking, and the index kept current by writes."""

from __future__ import annotations

import doctest
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from citykpi.agencies.models import Agency
from citykpi.audit.log import record
from citykpi.audit.models import AuditEvent
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib.errors import PermissionDenied
from citykpi.portal import finder
from citykpi.publicdata.models import SearchEntry, Synonym
from citykpi.publicdata.search import actions, engine, query, segment
from citykpi.publicdata.search.index import reindex_all
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport
from citykpi.reporting.tests.conftest import IN_Q2


def codes(text: str, **kwargs) -> list[str]:
    found = engine.search(text, **kwargs)
    by_id = dict(Indicator.objects.filter(pk__in=found.ids).values_list("pk", "code"))
    return [by_id[pk] for pk in found.ids]


@pytest.fixture
def district(db) -> Agency:
    return Agency.objects.create(
        code="5047", name_th="สำนักงานเขตบางบอน", name_en="Bang Bon District Office", kind=Agency.Kind.DISTRICT
    )


@pytest.fixture
def world(make_indicator, agency_a, district):
    """A department's and a district's KPIs, in Thai and English, indexed."""
    kpis = {
        "waste": make_indicator(
            agency_a, name="ร้อยละของมูลฝอยที่ถูกคัดแยกที่แหล่งกำเนิด", name_en="Waste sorted at source"
        ),
        "plan": make_indicator(agency_a, name="ระดับความสำเร็จของการพัฒนาระบบบริหารจัดการบุคลากร"),
        "flood": make_indicator(district, name="จำนวนจุดเสี่ยงน้ำท่วมที่ได้รับการแก้ไข"),
        "green": make_indicator(district, name="ร้อยละของพื้นที่สีเขียวที่เพิ่มขึ้น", name_en="Green area added"),
    }
    reindex_all()
    return kpis


def test_the_segmentation_and_query_examples_hold():
    for module in (segment, query):
        assert doctest.testmod(module).failed == 0


def test_words_are_found_at_thai_word_boundaries_not_inside_other_words(world):
    assert codes("คัดแยก") == [world["waste"].code]
    assert codes("แหล่งกำเนิด") == [world["waste"].code]
    assert codes("บุคลากร") == [world["plan"].code]
    # "นาระ" is letters of พัฒนา|ระบบ across a word boundary: a LIKE search would match it.
    assert Indicator.objects.filter(name__contains="นาระ").exists()
    assert codes("นาระ") == []


def test_a_compound_word_is_found_by_its_parts_and_the_parts_by_the_compound(make_indicator, agency_a):
    compound = make_indicator(agency_a, name="การบำบัดน้ำเสียของชุมชน")
    apart = make_indicator(agency_a, name="ปริมาณน้ำประปาต่อวัน")
    reindex_all()
    assert segment.words("น้ำเสีย") == ["น้ำเสีย"]  # one dictionary word
    assert codes("น้ำเสีย") == [compound.code]
    assert codes("เสีย") == [compound.code]
    assert sorted(codes("น้ำ")) == sorted([compound.code, apart.code])


def test_a_synonym_of_a_compound_reaches_its_group(make_indicator, agency_a):
    compound = make_indicator(agency_a, name="การจัดการขยะมูลฝอยในชุมชน")
    apart = make_indicator(agency_a, name="ปริมาณขยะต่อวัน")
    reindex_all()
    # ขยะมูลฝอย is in the seeded group of ขยะ and มูลฝอย: each finds both.
    for typed in ("ขยะมูลฝอย", "ขยะ", "มูลฝอย"):
        assert sorted(codes(typed)) == sorted([compound.code, apart.code]), typed


def test_the_district_name_finds_the_districts_kpis_in_thai_and_english(world):
    district_kpis = sorted([world["flood"].code, world["green"].code])
    for typed in ("บางบอน", "เขตบางบอน", "สำนักงานเขตบางบอน", "Bang Bon", "bang bon district"):
        assert sorted(codes(typed)) == district_kpis, typed
    assert codes("บางบอน น้ำท่วม") == [world["flood"].code]


def test_a_section_of_a_district_office_is_found_by_the_districts_name(make_indicator, district):
    section = Agency.objects.create(code="5048", name_th="ฝ่ายรักษาความสะอาด", parent=district)
    kpi = make_indicator(section, name="ความถี่ในการเก็บขยะ")
    reindex_all()
    assert codes("บางบอน") == [kpi.code]
    assert codes("รักษาความสะอาด") == [kpi.code]


def test_agency_names_and_abbreviations_find_their_kpis(world):
    department = sorted([world["waste"].code, world["plan"].code])
    assert sorted(codes("สถาบันพัฒนาข้าราชการ")) == department
    assert sorted(codes("สพข.")) == department
    assert sorted(codes("civil service training")) == department


def test_english_names_are_found_by_words_and_by_a_word_being_typed(world):
    assert codes("waste") == [world["waste"].code]
    assert codes("Sorted at SOURCE") == [world["waste"].code]
    assert codes("gree") == [world["green"].code]


def test_the_last_word_matches_as_a_prefix_and_a_piece_typed_without_spaces_too(world):
    assert sorted(codes("บางบ")) == sorted([world["flood"].code, world["green"].code])
    assert codes("พื้นที่สีเข") == [world["green"].code]
    assert codes("มูลฝ") == [world["waste"].code]


def test_seeded_synonyms_find_the_other_word(world):
    assert Synonym.objects.filter(term="ขยะ").exists()  # the data migration's seed
    assert codes("ขยะ") == [world["waste"].code]  # the name says มูลฝอย
    assert codes("อุทกภัย") == [world["flood"].code]  # the name says น้ำท่วม
    assert codes("garbage") == [world["waste"].code]


def test_a_synonym_added_through_the_action_is_used_at_once_and_audited(world, admin_user):
    assert codes("ต้นไม้") == []
    actions.save_synonym(admin_user, Synonym(term="ต้นไม้", equivalents="พื้นที่สีเขียว, tree"))
    assert codes("ต้นไม้") == [world["green"].code]
    assert codes("tree") == [world["green"].code]
    event = AuditEvent.objects.get(action="synonym.save")
    assert event.after == {"term": "ต้นไม้", "equivalents": "พื้นที่สีเขียว, tree"}
    actions.delete_synonym(admin_user, Synonym.objects.get(term="ต้นไม้"))
    assert codes("ต้นไม้") == []
    assert AuditEvent.objects.filter(action="synonym.delete").count() == 1


def test_only_an_administrator_edits_synonyms(reporter_a):
    with pytest.raises(PermissionDenied):
        actions.save_synonym(reporter_a, Synonym(term="ถนน", equivalents="ทางหลวง"))
    assert not Synonym.objects.filter(term="ถนน").exists()


def test_the_admin_saves_synonyms_through_the_audited_action(admin_client):
    response = admin_client.post(
        reverse("admin:publicdata_synonym_add"), {"term": "ถนน", "equivalents": "ทางหลวง\nroad"}
    )
    assert response.status_code == 302
    assert Synonym.objects.get(term="ถนน").members() == ["ถนน", "ทางหลวง", "road"]
    assert AuditEvent.objects.filter(action="synonym.save", object_repr__startswith="ถนน").exists()
    refused = admin_client.post(
        reverse("admin:publicdata_synonym_add"), {"term": "ซอย", "equivalents": " , "}
    )
    assert refused.status_code == 200  # the form again, with its error
    assert not Synonym.objects.filter(term="ซอย").exists()


def test_published_narratives_are_found_drafts_are_not(world, head_a):
    kpi = world["plan"]
    report = reporting.get_quarter(kpi, 2)
    narrative = "จัดประชุมคณะทำงานเพื่อทบทวนหลักสูตรฝึกอบรมออนไลน์"
    reporting.save_report(head_a, report, result="40", narrative=narrative, version=report.version, now=IN_Q2)
    assert codes("หลักสูตรฝึกอบรม") == []  # a draft is not public
    reporting.submit_report(head_a, report, now=IN_Q2)
    assert codes("หลักสูตรฝึกอบรม") == [kpi.code]  # indexed in the submit's transaction
    assert codes("ฝึกอบรม ออนไลน์") == [kpi.code]


def test_a_refused_write_leaves_the_index_as_it_was(world, head_a):
    kpi = world["plan"]
    report = reporting.get_quarter(kpi, 2)
    reporting.save_report(
        head_a, report, result="40", narrative="ทบทวนหลักสูตร", version=report.version, now=IN_Q2
    )
    before = SearchEntry.objects.get(pk=kpi.pk).narrative_words
    with pytest.raises(RuntimeError), transaction.atomic():
        reporting.submit_report(head_a, report, now=IN_Q2)
        raise RuntimeError("the rest of the request failed")
    assert SearchEntry.objects.get(pk=kpi.pk).narrative_words == before
    assert codes("หลักสูตร") == []


def test_a_name_matches_ranks_above_a_narrative_mention(make_indicator, agency_a):
    mention = make_indicator(agency_a, name="ระดับความสำเร็จของการประชุม")
    QuarterReport.objects.create(
        indicator=mention, quarter=1, status=QuarterReport.Status.SUBMITTED, narrative="มีการอบรมเรื่องฝุ่นละออง"
    )
    named = make_indicator(agency_a, name="ร้อยละของวันที่ค่าฝุ่นละอองไม่เกินมาตรฐาน")
    reindex_all()
    assert codes("ฝุ่นละออง") == [named.code, mention.code]


def test_unpublished_kpis_and_years_are_not_found(make_indicator, agency_a, fiscal_year):
    hidden_year = FiscalYear.objects.create(year=2567, is_published=False)
    make_indicator(agency_a, name="ทางเท้าที่ปรับปรุง", fiscal_year=hidden_year)
    make_indicator(agency_a, name="ทางเท้าที่ซ่อมแซม", is_published=False)
    shown = make_indicator(agency_a, name="ทางเท้าที่สะอาด")
    reindex_all()
    assert codes("ทางเท้า") == [shown.code]
    hidden_year.is_published = True
    hidden_year.save()  # publication is read at query time: no reindex needed
    assert len(codes("ทางเท้า")) == 2


def test_results_are_paged_with_the_total_and_filtered_by_year(make_indicator, agency_a, fiscal_year):
    older = FiscalYear.objects.create(year=2565)
    for n in range(7):
        make_indicator(agency_a, name=f"ร้อยละของคลองที่ขุดลอก {n}")
    make_indicator(agency_a, name="ร้อยละของคลองที่ขุดลอกปีก่อน", fiscal_year=older)
    reindex_all()
    first = engine.search("คลอง", limit=5)
    second = engine.search("คลอง", limit=5, offset=5)
    assert (first.total, len(first.ids), second.total, len(second.ids)) == (8, 5, 8, 3)
    assert not set(first.ids) & set(second.ids)
    assert engine.search("คลอง", limit=5, offset=50).total == 8
    assert engine.search("คลอง", year=2565).total == 1


def test_thai_digits_case_and_punctuation_are_normalised(make_indicator, agency_a):
    kpi = make_indicator(agency_a, name="จำนวนโรงเรียนที่ผ่านเกณฑ์ ๒๕ แห่ง (BMA Schools)")
    reindex_all()
    assert codes("25 แห่ง") == [kpi.code]
    assert codes("bma schools!") == [kpi.code]
    assert codes("“โรงเรียน”") == [kpi.code]


def test_a_query_without_words_finds_nothing(world):
    for typed in ("", "   ", "%_\\'\"", "()*:&|!"):
        assert engine.search(typed).total == 0


def test_kpis_written_without_audit_rows_are_caught_up_on_first_search(make_indicator, agency_a):
    first = make_indicator(agency_a, name="อัตราการรับเรื่องร้องเรียน")
    assert codes("ร้องเรียน") == [first.code]
    second = make_indicator(agency_a, name="เรื่องร้องเรียนที่แก้ไขแล้ว")
    assert sorted(codes("ร้องเรียน")) == sorted([first.code, second.code])


def test_renaming_an_agency_through_an_audited_write_reindexes_its_kpis(world, district, evaluator):
    with transaction.atomic():
        district.name_th, district.name_en = "สำนักงานเขตหนองแขม", "Nong Khaem District Office"
        district.save()
        record(evaluator, "agency.name_from_legacy", district, after={"name_th": district.name_th})
    assert sorted(codes("หนองแขม")) == sorted([world["flood"].code, world["green"].code])
    assert codes("บางบอน") == []


def test_a_demo_load_reindexes_everything(world, evaluator):
    SearchEntry.objects.all().delete()
    with transaction.atomic():
        record(evaluator, "demo.load", FiscalYear.objects.get(pk=2566), after={})
    assert SearchEntry.objects.count() == Indicator.objects.count()


def test_the_reindex_command_rebuilds_the_entries(world, capsys):
    Indicator.objects.filter(pk=world["green"].pk).update(name="ร้อยละของต้นไม้ที่ปลูก")  # SQL by hand
    assert codes("ต้นไม้ที่ปลูก") == []
    call_command("reindex_search")
    assert codes("ต้นไม้ที่ปลูก") == [world["green"].code]
    assert "reindexed 4 KPIs" in capsys.readouterr().out


def test_the_finder_uses_the_index_and_keeps_its_other_filters(client, world):
    home = reverse("portal:home")

    def shown(params):
        return sorted(row.code for row in client.get(home, params).context["rows"])

    assert shown({"q": "บางบอน"}) == sorted([world["flood"].code, world["green"].code])
    assert shown({"q": "บางบอน", "agency": "0409"}) == []
    assert shown({"q": "ขยะ"}) == [world["waste"].code]
    assert shown({"q": world["waste"].code}) == [world["waste"].code]
    assert shown({"q": "0409"}) == sorted([world["waste"].code, world["plan"].code])
    assert shown({"q": world["waste"].code[2:]}) == [world["waste"].code]  # a piece of a code, as before


def test_the_finder_orders_by_relevance_when_words_are_searched(rf, make_indicator, agency_a):
    mention = make_indicator(agency_a, name="ระดับความสำเร็จของการประชุม", code="0409-1001")
    QuarterReport.objects.create(
        indicator=mention, quarter=1, status=QuarterReport.Status.SUBMITTED, narrative="เรื่องฝุ่นละออง"
    )
    named = make_indicator(agency_a, name="วันที่ค่าฝุ่นละอองไม่เกินมาตรฐาน", code="0409-1002")
    filters = finder.parse(rf.get("/", {"q": "ฝุ่นละออง"}).GET)
    rows = finder.ordered(finder.apply(Indicator.objects.published(), filters), filters)
    assert [k.code for k in rows] == [named.code, mention.code]
    plain = finder.parse(rf.get("/").GET)
    assert [k.code for k in finder.ordered(Indicator.objects.published(), plain)] == [
        mention.code,
        named.code,
    ]


def test_segmentation_needs_no_network_and_no_download():
    """The dictionary ships in the package: segmenting in a fresh process whose sockets
    all fail works (the intranet is offline)."""
    script = (
        "import socket\n"
        "def refuse(*a, **k):\n"
        "    raise OSError('no network here')\n"
        "socket.socket = refuse\n"
        "socket.create_connection = refuse\n"
        "from citykpi.publicdata.search.segment import words\n"
        "print(' '.join(words('สำนักงานเขตบางบอน จัดการขยะมูลฝอย')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["สำนักงานเขต", "บางบอน", "จัดการ", "ขยะมูลฝอย"]


def test_an_entry_holds_the_weighted_fields_a_reader_can_check(world):
    entry = SearchEntry.objects.get(pk=world["flood"].pk)
    assert "น้ำท่วม" in entry.name_words.split()
    assert {"สำนักงานเขต", "เขต", "บางบอน", "bang", "bon"} <= set(entry.agency_words.split())
    assert entry.fiscal_year == 2566
