"""Health check, error pages, language, settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.test import Client
from django.urls import reverse

from .conftest import client_for

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_reports_database_and_cache(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


def test_healthz_answers_503_when_the_cache_is_down(db, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr("core.views.cache.set", broken)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "checks": {"database": "ok", "cache": "error"},
    }


def test_pages_speak_german_first_and_english_on_request(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = client.get("/").content.decode()
    assert '<html lang="de">' in html
    assert "Die sieben Digitalen Räume" in html
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "The seven Digital Spaces" in html
    assert "Mobility &amp; Energy" in html


def test_error_pages_are_in_the_portal_style(db, outsider):
    response = client_for(outsider).get(reverse("spaces:matrix"))
    assert response.status_code == 403
    assert "Keine Berechtigung" in response.content.decode()
    response = Client().get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.content.decode()


def test_500_page_renders_without_request_context(db):
    from core.views import error_500

    response = error_500(None)
    assert response.status_code == 500
    assert "Technischer Fehler" in response.content.decode()


def test_sign_up_is_closed(db):
    """allauth answers the sign-up with its "closed" page (the adapter refuses every sign-up):
    200, no form; a complete sign-up posted anyway creates no account."""
    from contacts.models import User

    url = reverse("account_signup")
    response = Client().get(url)
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "account/signup_closed.html"
    body = response.content.decode()
    assert "Registrierung geschlossen" in body
    assert "Es tut uns leid, aber die Registrierung ist derzeit geschlossen." in body
    assert 'name="password1"' not in body
    users = User.objects.count()
    posted = Client().post(
        url,
        {
            "email": "neu@example.org",
            "password1": "Hafenkran-Elbphilharmonie-42",
            "password2": "Hafenkran-Elbphilharmonie-42",
        },
    )
    assert posted.status_code == 200
    assert "Registrierung geschlossen" in posted.content.decode()
    assert User.objects.count() == users
    assert not User.objects.filter(email="neu@example.org").exists()


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env["DJANGO_SETTINGS_MODULE"] = "hamburg_digital.settings"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_settings_refuse_to_start_without_encryption_keys_when_debug_is_off():
    env = {k: v for k, v in os.environ.items() if k not in ("FIELD_ENCRYPTION_KEYS", "DEBUG")}
    env["DJANGO_SETTINGS_MODULE"] = "hamburg_digital.settings"
    env["SECRET_KEY"] = "a-secret-key-for-this-test-only-0123456789abcdefghij"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS is not set" in result.stderr


def test_settings_refuse_to_start_without_token_peppers_when_debug_is_off():
    env = {k: v for k, v in os.environ.items() if k not in ("API_TOKEN_PEPPERS", "DEBUG")}
    env["DJANGO_SETTINGS_MODULE"] = "hamburg_digital.settings"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "API_TOKEN_PEPPERS is not set" in result.stderr


def test_every_machine_readable_time_is_valid_html(member, space):
    """`<time datetime>` to the second with the offset: HTML allows at most three digits of a
    fraction of a second, and Django's "c" writes six (the Nu HTML Checker's 23 errors)."""
    import re

    from discussions import services as discussions

    from .factories import make_meeting

    thread = discussions.thread_start(actor=member, where=space, title="Zeit", body="Jetzt")
    meeting = make_meeting(space=space, invitees=[member])
    valid = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
    client = client_for(member)
    for url in (thread.get_absolute_url(), space.get_absolute_url(), meeting.get_absolute_url()):
        page = client.get(url).content.decode()
        found = re.findall(r'<time datetime="([^"]*)"', page)
        assert found, url
        assert all(valid.fullmatch(value) for value in found), (url, found)
