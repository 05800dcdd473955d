"""/open-data/catalog.jsonld: the DCAT catalogue CKAN's harvester (ckanext-dcat) reads.

ckanext-dcat parses the document with rdflib's JSON-LD parser and then looks for
subjects of type dcat:Dataset, their dct:title / dct:identifier / dcat:keyword /
dct:issued / dct:modified / dcat:landingPage / dct:publisher, and their
dcat:distribution with dcat:downloadURL (or dcat:accessURL), dcat:mediaType,
dct:format and dct:license. rdflib is not installed here (and not worth a dependency),
so the tests check in plain Python that the document is JSON-LD of exactly that shape:
every property a compact IRI of a prefix the context defines, links typed as IRIs,
Thai and English language maps, xsd:dateTime dates, downloads that answer CSV.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from citykpi.api import harvest

pytestmark = pytest.mark.django_db

URL = "/open-data/catalog.jsonld"
PREFIXES = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}


def _catalogue(client) -> dict[str, Any]:
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json; charset=utf-8"
    return response.json()


def _nodes(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["@id"]: node for node in document["@graph"]}


def _of_type(document: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [node for node in document["@graph"] if node.get("@type") == kind]


def _walk(value: Any, context: dict[str, Any], key: str = ""):
    """Every (property, value) pair of the document, below the context."""
    if isinstance(value, dict):
        language_map = isinstance(context.get(key), dict) and context[key].get("@container") == "@language"
        if language_map:
            yield key, value
            return
        for name, inner in value.items():
            if name == "@context":
                continue
            yield name, inner
            yield from _walk(inner, context, name)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, context, key)


def _absolute(iri: str) -> bool:
    parts = urlsplit(iri)
    return parts.scheme in ("http", "https", "mailto") and bool(parts.netloc or parts.path)


def _datetime(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.tzinfo is not None, text
    return moment


def test_the_context_names_the_dcat_vocabularies_and_every_property_is_one_of_theirs(client, open_data):
    document = _catalogue(client)
    context = document["@context"]
    for prefix, iri in PREFIXES.items():
        assert context[prefix] == iri
    for name, value in _walk(document, context):
        if name.startswith("@"):
            continue
        prefix, _, local = name.partition(":")
        assert prefix in context and local, name  # expands to a real IRI, never dropped
        definition = context.get(name, {})
        if definition.get("@type") == "@id":
            for iri in value if isinstance(value, list) else [value]:
                assert isinstance(iri, str) and _absolute(iri), (name, iri)
        if definition.get("@container") == "@language":
            assert set(value) <= {"th", "en"} and "th" in value, (name, value)
        if definition.get("@type") == "xsd:dateTime":
            _datetime(value)


def test_one_catalogue_with_bilingual_title_publisher_licence_and_modified_date(client, open_data):
    document = _catalogue(client)
    nodes = _nodes(document)
    (catalogue,) = _of_type(document, "dcat:Catalog")
    assert catalogue["@id"] == "http://testserver/open-data/catalog.jsonld"
    assert catalogue["dct:title"]["th"].startswith("ข้อมูลเปิด")
    assert catalogue["dct:title"]["en"].startswith("Open data")
    publisher = nodes[catalogue["dct:publisher"]["@id"]]
    assert publisher["@type"] == "foaf:Organization"
    assert publisher["foaf:name"] == {"th": "กรุงเทพมหานคร", "en": "Bangkok Metropolitan Administration"}
    assert catalogue["dct:license"] == harvest.DEFAULT_LICENCE_URL
    assert nodes[harvest.DEFAULT_LICENCE_URL]["@type"] == "dct:LicenseDocument"
    assert "Open Government Licence - Thailand" in nodes[harvest.DEFAULT_LICENCE_URL]["dct:title"]["th"]
    datasets = _of_type(document, "dcat:Dataset")
    assert [ref["@id"] for ref in catalogue["dcat:dataset"]] == [d["@id"] for d in datasets]
    assert _datetime(catalogue["dct:modified"]) == max(_datetime(d["dct:modified"]) for d in datasets)


def test_one_dataset_per_csv_with_what_ckan_maps(client, open_data):
    document = _catalogue(client)
    package = client.get("/open-data/datapackage.json").json()
    datasets = _of_type(document, "dcat:Dataset")
    assert len(datasets) == len(package["resources"]) == 5
    identifiers = set()
    for dataset, resource in zip(datasets, package["resources"]):
        identifiers.add(dataset["dct:identifier"])
        assert dataset["dct:identifier"] == f"bma-citykpi-{resource['name']}"
        assert dataset["dct:title"] == {"th": resource["title"], "en": resource["title_en"]}
        assert dataset["dct:description"]["th"] and dataset["dct:description"]["en"]
        assert dataset["dcat:keyword"]["th"] and dataset["dcat:keyword"]["en"]
        assert dataset["dcat:landingPage"] == "http://testserver/open-data/"
        assert dataset["dct:license"] == harvest.DEFAULT_LICENCE_URL
        assert _datetime(dataset["dct:issued"]) <= _datetime(dataset["dct:modified"])
        csv, api = dataset["dcat:distribution"]
        assert csv["@type"] == api["@type"] == "dcat:Distribution"
        assert csv["dcat:downloadURL"] == csv["dcat:accessURL"] == resource["path"]
        assert csv["dcat:mediaType"] == "text/csv" and csv["dct:format"] == "CSV"
        assert csv["dct:license"] == harvest.DEFAULT_LICENCE_URL
        assert api["dcat:mediaType"] == "application/json" and "dcat:downloadURL" not in api
        download = client.get(csv["dcat:downloadURL"])
        assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
        assert client.get(api["dcat:accessURL"]).status_code == 200
    assert len(identifiers) == 5
    # The KPI dataset is dated by its rows: the latest change of a published KPI or quarter.
    kpis = datasets[0]
    assert kpis["dct:modified"] == package["resources"][0]["modified"]


# CKAN's stock tag validator (ckan.logic.validators.tag_name_validator) and tag lengths.
CKAN_TAG = re.compile(r"[\w \-.]*$", re.UNICODE)


def test_keywords_survive_ckans_tag_rules(client, open_data):
    """ckanext-dcat makes every dcat:keyword a tag and splits it at commas. English tags
    pass stock CKAN's validator; Thai ones with vowel and tone marks need the Thai
    government's CKAN extension (thai-gdc), which relaxes it (docs/api.md)."""
    for dataset in _of_type(_catalogue(client), "dcat:Dataset"):
        for language, words in dataset["dcat:keyword"].items():
            for word in words:
                assert "," not in word and 2 <= len(word) <= 100, word
                if language == "en":
                    assert CKAN_TAG.match(word), word


def test_publisher_and_licence_come_from_the_settings(client, open_data, settings):
    settings.OPEN_DATA_PUBLISHER = {
        "name_en": "BMA Strategy and Evaluation Department",
        "email": "opendata@bangkok.go.th",
    }
    settings.OPEN_DATA_LICENCE_URL = "https://example.go.th/licence"
    settings.OPEN_DATA_LICENCE = "CC BY 4.0"
    document = _catalogue(client)
    nodes = _nodes(document)
    (catalogue,) = _of_type(document, "dcat:Catalog")
    publisher = nodes[catalogue["dct:publisher"]["@id"]]
    assert publisher["foaf:name"]["en"] == "BMA Strategy and Evaluation Department"
    assert publisher["foaf:name"]["th"] == "กรุงเทพมหานคร"
    assert catalogue["dct:license"] == "https://example.go.th/licence"
    assert nodes["https://example.go.th/licence"]["dct:title"] == {"th": "CC BY 4.0"}
    dataset = _of_type(document, "dcat:Dataset")[0]
    assert dataset["dcat:contactPoint"]["vcard:hasEmail"] == "mailto:opendata@bangkok.go.th"


def test_the_open_data_page_links_both_harvest_documents(client):
    html = client.get("/open-data/").content.decode()
    assert 'href="/open-data/datapackage.json"' in html
    assert 'href="/open-data/catalog.jsonld"' in html
    assert "CKAN" in html
