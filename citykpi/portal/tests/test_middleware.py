"""Thai first: the browser's Accept-Language does not switch the site to English."""

from __future__ import annotations

from django.test import override_settings
from django.urls import reverse

from citykpi.portal.tests.pagetext import visible_text


def with_thai_first(middleware: list[str]) -> list[str]:
    at = middleware.index("django.middleware.locale.LocaleMiddleware")
    return [*middleware[:at], "citykpi.portal.middleware.ThaiFirstMiddleware", *middleware[at:]]


def test_an_english_browser_still_gets_thai_until_the_reader_switches(client, portal_seed_kpi, settings):
    url = reverse("portal:kpi", args=[portal_seed_kpi.code])
    with override_settings(MIDDLEWARE=with_thai_first(settings.MIDDLEWARE)):
        text = visible_text(client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode())
        assert "ค่าเป้าหมาย ระดับ : 5" in text
        client.post("/i18n/setlang/", {"language": "en", "next": url})
        text = visible_text(client.get(url, HTTP_ACCEPT_LANGUAGE="th").content.decode())
        assert "Target level : 5" in text
