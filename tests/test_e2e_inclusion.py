"""Leichte Sprache and DGS in the browser (issue 22, point 3): both public pages in German and
in English at 320 px without sideways scrolling, with no axe violation (WCAG 2.1 AA) and valid
HTML; the DGS page with one video (its player, captions track and download) and three items
that say the video is still missing; ITD's management page likewise."""

from __future__ import annotations

import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from inclusion.models import Video

from .conftest import client_for
from .test_accessibility import _violations
from .test_e2e_browser import CHROMIUM, FLAGS

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser)"),
]

NARROW = {"width": 320, "height": 800}
SIDEWAYS = "document.documentElement.scrollWidth - window.innerWidth"
PAGES = ("/leichte-sprache/", "/gebaerdensprache/")


@pytest.mark.django_db(transaction=True)
def test_easy_and_sign_pages_fit_320_px_and_pass_axe_in_both_languages(
    reference_data, itd, live_server, html_checker
):
    # A video of the first item (the bytes are a stand-in: the page, not the player, is tested).
    name = storages["inclusion_videos"].save("inhalt-e2e.mp4", ContentFile(b"video"))
    Video.objects.create(
        item="inhalt", file_name=name, content_type="video/mp4", size=3_500_000, width=640,
        height=480, fps=25, duration=95, captions="WEBVTT\n\n00:00.000 --> 00:01.000\nHallo\n",
        transcript="Hallo. Hier erklären wir das Portal.",
    )  # fmt: skip
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    session = client_for(itd).cookies["sessionid"].value
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for language in ("de", "en"):
            for signed_in in (False, True):
                context = browser.new_context(viewport=NARROW)
                cookies = [{"name": "django_language", "value": language, "url": live_server.url}]
                if signed_in:
                    cookies.append({"name": "sessionid", "value": session, "url": live_server.url})
                context.add_cookies(cookies)
                page = context.new_page()
                paths = [*PAGES, "/leichte-sprache/verwalten/"] if signed_in else PAGES
                for path in paths:
                    where = f"{path} ({language}{', ITD' if signed_in else ''})"
                    response = page.goto(live_server.url + path)
                    assert response is not None
                    if response.status != 200:
                        problems.append(f"{where}: {response.status}")
                        continue
                    problems += [f"{where}: HTML {e}" for e in html_checker(response.text())]
                    if page.get_attribute("html", "lang") != language:
                        problems.append(f"{where}: not in {language}")
                    problems += [f"{where}: axe {v}" for v in _violations(page)]
                    if (overflow := int(page.evaluate(SIDEWAYS))) > 0:
                        problems.append(f"{where}: {overflow} px too wide at 320 px")
                    if path == "/gebaerdensprache/":
                        assert page.locator("video track[kind=captions]").count() == 1
                        assert page.locator("[data-missing]").count() == 3
                        size = page.locator("[data-download]").locator("xpath=..").inner_text()
                        assert ("3,3 MB" if language == "de" else "3.3 MB") in size, size
                        assert "01:35" in size, size
                context.close()
        browser.close()
    assert not problems, "\n".join(problems)
