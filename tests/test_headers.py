"""Security headers (issue 4): CSP without inline scripts, HSTS, nosniff, Referrer- and
Permissions-Policy, no caching of personal pages, safe cookies, and Django's deploy checks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import client_for
from .factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent

# The production-like environment of `make lint` (Makefile DEPLOY_ENV).
DEPLOY_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "lint-only-q7Vd2Kx9Rm4Tz8Lp3Wn6Hs1Bf5Yc0Jg7Ua2Ne9Xo4Ik8Ql3Zr",
    "ALLOWED_HOSTS": "portal.example.org",
    "SECURE_HTTPS": "true",
}


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_content_security_policy_forbids_inline_scripts_and_styles():
    policy = _policy(Client().get(reverse("home")))
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["img-src"] == ["'self'", "data:"]  # KERN's icons and the TOTP QR code
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"\sstyle=", re.I)


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (None, "/"),
        (None, "/accounts/login/"),
        (None, "/accounts/password/reset/"),
        ("member", "/dashboard/"),
        ("member", "/accounts/security/"),
        ("member", "/accounts/sessions/"),
        ("member", "/accounts/2fa/"),
        ("member", "/accounts/2fa/webauthn/add/"),
        ("member", "/accounts/password/change/"),
        ("member", "/accounts/email/"),
        ("itd", "/admin/"),
        ("itd", "/admin/contacts/user/"),
    ],
)
def test_pages_carry_no_inline_script_or_style_the_policy_would_block(
    role, url, request: pytest.FixtureRequest
):
    client = client_for(request.getfixturevalue(role)) if role else Client()
    if "/2fa/" in url:  # MFA pages ask for the password again first
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    nonce = getattr(response.wsgi_request, "_csp_nonce", None)
    scripts = [
        tag for tag in INLINE_SCRIPT.findall(html) if not (nonce and f'nonce="{nonce}"' in tag)
    ]
    assert scripts == [], f"{url}: inline scripts without nonce {scripts}"
    assert not INLINE_STYLE.search(html), f"{url}: inline style attribute"


def test_enrolment_page_shows_the_qr_code_as_an_image_the_policy_allows(coordinator):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=coordinator).delete()
    client = Client()
    client.post(reverse("account_login"), {"login": coordinator.email, "password": PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    assert re.search(r'<img class="portal-qr"\s+src="data:image/svg\+xml;base64,', response.text)
    assert "data:" in _policy(response)["img-src"]


def test_basic_security_headers_are_set():
    response = Client().get(reverse("home"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions


def test_hsts_is_sent_over_https_when_configured(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = Client().get(reverse("home"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_pages_for_a_signed_in_person_are_never_cached(member, space):
    client = client_for(member)
    for url in ("/", "/dashboard/", space.get_absolute_url(), "/accounts/security/"):
        assert _no_store(client.get(url)), url


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/password/reset/"])
def test_account_pages_are_never_cached_even_for_visitors(url):
    assert _no_store(Client().get(url))


def test_public_pages_for_visitors_may_be_cached():
    assert not _no_store(Client().get(reverse("home")))


def test_personal_data_paths_are_never_cached(settings):
    assert {"/accounts/", "/my-data/", "/contacts/"} <= set(settings.NO_STORE_PATH_PREFIXES)
    assert _no_store(Client().get("/contacts/people/"))  # the redirect to sign in, too


def test_session_and_csrf_cookies_are_secure_httponly_and_samesite(settings, member):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client = Client()
    client.get(reverse("account_login"), secure=True)
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": PASSWORD}, secure=True
    )
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"
    csrf = client.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"


def _production(code: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DATABASE_URL",
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "SECURE_SSL_REDIRECT",
            # The browser tests allow Django's ORM in Playwright's event loop for this process;
            # a production process never has it (the deploy check refuses it).
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        )
    }
    env.update(DEPLOY_ENV)
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *code.split("\0")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_make_cookies_secure_and_send_hsts():
    script = (
        "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE']='hamburg_digital.settings';"
        "django.setup(); from django.conf import settings as s;"
        "print(json.dumps({k: getattr(s, k) for k in ("
        "'SESSION_COOKIE_SECURE','CSRF_COOKIE_SECURE','SESSION_COOKIE_HTTPONLY',"
        "'SESSION_COOKIE_SAMESITE','CSRF_COOKIE_SAMESITE','SECURE_HSTS_SECONDS',"
        "'SECURE_SSL_REDIRECT','SECURE_CONTENT_TYPE_NOSNIFF','SECURE_REFERRER_POLICY')}))"
    )
    result = _production(f"-c\0{script}")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_SSL_REDIRECT"] is True


def test_deploy_checks_pass_under_production_settings():
    result = _production("manage.py\0check\0--deploy\0--fail-level\0WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
