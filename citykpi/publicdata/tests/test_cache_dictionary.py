"""Cached pages of one kind are compressed against a preset dictionary (issue #13, Redis
memory): the first page of a kind built after the cache was emptied becomes the
dictionary, the next ones hold little more than their own text; they are served byte for
byte, and an entry whose dictionary left the cache is a miss, never an error. In local
memory and in a real Redis (the fixtures of test_invalidation)."""

from __future__ import annotations

import zlib

from django.core.cache import cache
from django.urls import reverse

from citykpi.publicdata import pagecache
from citykpi.publicdata.pagecache import cache_key
from citykpi.publicdata.tests.test_invalidation import submit


def entry_of(client, url):
    request = client.get(url).wsgi_request
    return cache_key(request), cache.get(cache_key(request))


def test_the_second_page_of_a_kind_is_compressed_against_the_first(page_cache, client, city, head_a):
    submit(head_a, city["a"])
    submit(head_a, city["a2"])
    first_url, second_url, third_url = (reverse("portal:kpi", args=[city[k].code]) for k in ("a", "a2", "b"))
    first = client.get(first_url)
    assert first["X-Cache"] == "miss"
    _, (_, _, _, plain) = entry_of(client, first_url)
    assert plain is True  # the dictionary's own page: plain zlib
    for url in (second_url, third_url):
        built = client.get(url)
        assert built["X-Cache"] == "miss"
        _, (_, body, _, compressed) = entry_of(client, url)
        assert isinstance(compressed, str)
        assert len(body) * 2 < len(zlib.compress(built.content, pagecache.COMPRESS_LEVEL))
        served = client.get(url)
        assert served["X-Cache"] == "hit" and served.content == built.content
        assert served["Content-Type"] == built["Content-Type"]


def test_an_entry_whose_dictionary_is_gone_is_rebuilt(page_cache, client, city, head_a):
    urls = [reverse("portal:kpi", args=[city[k].code]) for k in ("a", "a2")]
    for url in urls:
        client.get(url)
    _, (_, _, _, dictionary_id) = entry_of(client, urls[1])
    assert isinstance(dictionary_id, str)
    cache.delete("public-zdict-id:" + dictionary_id)
    pagecache._dictionaries.clear()  # a worker that never read it
    again = client.get(urls[1])
    assert again.status_code == 200 and again["X-Cache"] == "miss"
    assert client.get(urls[1])["X-Cache"] == "hit"


def test_each_kind_of_page_has_its_own_dictionary(rf):
    kinds = {pagecache.family_of(rf.get(path)) for path in ("/kpi/1/", "/kpi/2/print/", "/agency/0100/", "/")}
    assert len(kinds) == 3
    api = pagecache.family_of(rf.get("/api/v1/kpis"), "api")
    assert api != pagecache.family_of(rf.get("/api/v1/agencies"), "api")
