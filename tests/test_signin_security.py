"""Hardened sign-in (issue 4): required MFA, TOTP codes, rate limits, admin lock-out, passwords,
re-authentication and the security log."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from contacts.models import User
from core.models import SecurityEvent

from .conftest import TEST_TOTP_SECRET, client_for, enrol_mfa, totp_code
from .factories import PASSWORD, PersonFactory

ENROL = "/accounts/2fa/totp/activate/"


def _sign_in(client: Client, email: str, password: str = PASSWORD, next_url: str = ""):
    url = reverse("account_login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"login": email, "password": password})


def _wrong_code(secret: str = TEST_TOTP_SECRET) -> str:
    valid = {totp_code(secret, offset) for offset in (-2, -1, 0, 1, 2)}
    return next(c for c in ("123456", "654321", "111111", "222222") if c not in valid)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- Required MFA ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/dashboard/", "/spaces/", "/contacts/people/", "/admin/", "/accounts/security/"],
)
@pytest.mark.parametrize("role", ["itd", "coordinator", "officer"])
def test_itd_and_coordinators_without_second_factor_are_sent_to_enrolment(
    url, role, request: pytest.FixtureRequest
):
    user = _unenrolled(role, request)
    response = client_for(user, enrol=False).get(url)
    assert response.status_code == 302
    assert response["Location"] == ENROL


def _unenrolled(role: str, request: pytest.FixtureRequest) -> User:
    user = request.getfixturevalue(role)
    Authenticator.objects.filter(user=user).delete()
    return user


@pytest.mark.parametrize("role", ["member", "guest", "outsider"])
def test_other_roles_may_work_without_second_factor(role, request: pytest.FixtureRequest):
    user = request.getfixturevalue(role)
    assert client_for(user, enrol=False).get(reverse("dashboard")).status_code == 200


def test_enrolment_reauthentication_and_sign_out_stay_open_to_those_who_must_enrol(coordinator):
    Authenticator.objects.filter(user=coordinator).delete()
    client = client_for(coordinator, enrol=False)
    # Without a fresh sign-in (force_login) allauth first asks for the password again.
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(reverse("account_reauthenticate")).status_code == 200
    assert client.get(reverse("core:healthz")).status_code == 200
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert not _signed_in(client)


@pytest.mark.parametrize(
    "url",
    ["/help/", "/help/glossary/", "/privacy/", "/legal-notice/", "/accessibility/", "/terms/"],
)
def test_help_and_the_legal_pages_stay_open_during_the_enrolment(url, coordinator):
    """Anyone may read them signed out, and every page links to them, the enrolment's too
    (issue 22); their header offers nothing the enrolment would refuse."""
    Authenticator.objects.filter(user=coordinator).delete()
    client = Client()
    _sign_in(client, coordinator.email)
    assert client.get(reverse("dashboard"))["Location"] == ENROL
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'aria-label="Hauptnavigation"' not in html
    assert f'href="{reverse("access:account_security")}"' not in html
    assert f'href="{reverse("notifications:list")}"' not in html


def test_coordinator_enrols_right_after_signing_in_and_then_reaches_the_pages(
    coordinator, django_capture_on_commit_callbacks
):
    Authenticator.objects.filter(user=coordinator).delete()
    client = Client()
    response = _sign_in(client, coordinator.email)
    assert response.status_code == 302
    response = client.get(reverse("dashboard"))
    assert response["Location"] == ENROL
    page = client.get(ENROL)
    assert page.status_code == 200
    assert "Für Ihre Rolle ist die Zwei-Faktor-Authentisierung vorgeschrieben." in (
        page.content.decode()
    )
    secret = client.session["mfa.totp.secret"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ENROL, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert client.get(reverse("dashboard")).status_code == 200
    assert Authenticator.objects.filter(user=coordinator, type="totp").exists()
    assert Authenticator.objects.filter(user=coordinator, type="recovery_codes").exists()
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.MFA_CHANGED, user=coordinator, detail__action="added"
    ).exists()


def test_wrong_code_at_enrolment_is_refused_with_a_message(coordinator):
    Authenticator.objects.filter(user=coordinator).delete()
    client = Client()
    _sign_in(client, coordinator.email)
    client.get(ENROL)
    secret = client.session["mfa.totp.secret"]
    response = client.post(ENROL, {"code": _wrong_code(secret)})
    assert response.status_code == 200
    assert "Dieser Code ist falsch oder wurde bereits verwendet." in response.content.decode()
    assert not Authenticator.objects.filter(user=coordinator).exists()
    assert client.get(reverse("dashboard"))["Location"] == ENROL


def test_those_who_must_have_a_second_factor_cannot_switch_it_off(itd):
    client = Client()
    _sign_in(client, itd.email)
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert _signed_in(client)
    # Within the re-authentication window (fresh sign-in) the form is reachable, but refuses.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert "vorgeschrieben" in response.content.decode()
    assert Authenticator.objects.filter(user=itd, type="totp").exists()


# --- Signing in with a TOTP code -----------------------------------------------------------


def test_itd_signs_in_with_password_and_authenticator_code(itd):
    client = Client()
    response = _sign_in(client, itd.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert not _signed_in(client)
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert _signed_in(client)
    assert client.get(reverse("admin:index")).status_code == 200
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN, user=itd).count() == 1


def test_wrong_authenticator_code_is_refused_with_a_clear_message(itd):
    client = Client()
    _sign_in(client, itd.email)
    response = client.post(reverse("mfa_authenticate"), {"code": _wrong_code()})
    assert response.status_code == 200
    assert "Dieser Code ist falsch oder wurde bereits verwendet." in response.content.decode()
    assert not _signed_in(client)
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOGIN_FAILED, user=itd, detail__factor="totp"
    ).exists()


def test_a_used_authenticator_code_cannot_be_used_again(itd):
    code = totp_code()
    first = Client()
    _sign_in(first, itd.email)
    first.post(reverse("mfa_authenticate"), {"code": code})
    assert _signed_in(first)

    second = Client()
    _sign_in(second, itd.email)
    response = second.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert "Dieser Code ist falsch oder wurde bereits verwendet." in response.content.decode()
    assert not _signed_in(second)


def test_a_recovery_code_signs_in_once(itd):
    code = RecoveryCodes(
        Authenticator.objects.get(user=itd, type="recovery_codes")
    ).generate_codes()[0]
    client = Client()
    _sign_in(client, itd.email)
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert _signed_in(client)
    again = Client()
    _sign_in(again, itd.email)
    response = again.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert not _signed_in(again)


def test_demo_itd_and_officer_are_enrolled_with_the_demo_secret_and_the_coordinator_is_not(
    settings,
):
    settings.DEBUG = True
    settings.DEMO_TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - twice: same
    coordinator = User.objects.get(email="koordination@example.org")
    assert not Authenticator.objects.filter(user=coordinator).exists()
    for offset, email in enumerate(("itd@example.org", "dv.bvm@example.org")):
        account = User.objects.get(email=email)
        assert Authenticator.objects.filter(user=account, type="totp").count() == 1
        assert Authenticator.objects.filter(user=account, type="recovery_codes").count() == 1
        client = Client()
        _sign_in(client, account.email, password=settings.DEMO_PASSWORD)
        assert not _signed_in(client)  # the password alone is not enough
        # Each account its own code (allauth refuses a code used twice for one account only,
        # but a step apart keeps the two sign-ins independent).
        code = totp_code(settings.DEMO_TOTP_SECRET, offset=-offset)
        client.post(reverse("mfa_authenticate"), {"code": code})
        assert _signed_in(client), email
        assert client.get(reverse("dashboard")).status_code == 200


# --- Rate limits and lock-out --------------------------------------------------------------


def test_too_many_sign_in_attempts_from_one_address_answer_429(settings, member):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    client = Client()
    for _ in range(3):
        assert _sign_in(client, "someone@example.org", "Falsch-Passwort-123").status_code == 200
    response = _sign_in(client, member.email)
    assert response.status_code == 429
    html = response.content.decode()
    assert "<h1" in html and "Zu viele Versuche" in html
    assert not _signed_in(client)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.RATE_LIMITED).exists()


def test_too_many_password_reset_requests_answer_429(
    settings, member, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "2/m/ip"}
    client = Client()
    url = reverse("account_reset_password")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url, {"email": member.email}).status_code == 302
    response = client.post(url, {"email": member.email})
    assert response.status_code == 429
    assert "Zu viele Versuche" in response.content.decode()
    assert len(mail.outbox) == 2


def test_repeated_failures_lock_the_address_even_for_the_right_password(member):
    client = Client()
    for _ in range(5):
        response = _sign_in(client, member.email, "Falsch-Passwort-123")
        assert response.status_code == 200
    response = _sign_in(client, member.email)
    assert response.status_code == 429
    assert "Anmeldeversuche für diese E-Mail-Adresse" in response.content.decode()
    assert not _signed_in(client)
    failed = SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOGIN_FAILED, user_label=member.email
    )
    assert failed.count() == 5
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.RATE_LIMITED, user_label=member.email
    ).exists()


def test_admin_login_is_the_portal_sign_in():
    response = Client().get(reverse("admin:login") + "?next=/admin/contacts/user/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2Fcontacts%2Fuser%2F"


def test_admin_login_does_not_redirect_elsewhere():
    response = Client().get(reverse("admin:login") + "?next=https://evil.example.org/")
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2F"


def test_admin_login_is_locked_after_repeated_failures(itd):
    client = Client()
    for _ in range(5):
        _sign_in(client, itd.email, "Falsch-Passwort-123", next_url="/admin/")
    response = _sign_in(client, itd.email, next_url="/admin/")
    assert response.status_code == 429
    assert "Anmeldeversuche für diese E-Mail-Adresse" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302


def test_admin_password_change_is_the_portal_one(itd):
    response = client_for(itd).get(reverse("admin:password_change"))
    assert response["Location"] == reverse("account_change_password")


def test_admin_asks_the_second_factor_before_letting_itd_in(itd):
    client = Client()
    response = _sign_in(client, itd.email, next_url="/admin/")
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


# --- Passwords -----------------------------------------------------------------------------


@pytest.fixture
def hannelore(db):
    return PersonFactory(
        user__email="hannelore.beispielfrau@example.org",
        user__first_name="Hannelore",
        user__last_name="Beispielfrau",
    ).user


def _change_password(client: Client, new: str, old: str = PASSWORD):
    return client.post(
        reverse("account_change_password"),
        {"oldpassword": old, "password1": new, "password2": new},
    )


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Kurz-2026!", "mindestens 12 Zeichen"),
        ("qwerty123456", "zu üblich"),
        ("hannelore.beispielfrau", "zu ähnlich"),
    ],
    ids=["too-short", "common", "like-the-name"],
)
def test_weak_passwords_are_refused_when_changing(hannelore, password, message):
    client = client_for(hannelore)
    response = _change_password(client, password)
    assert response.status_code == 200
    assert message in response.content.decode()
    hannelore.refresh_from_db()
    assert hannelore.check_password(PASSWORD)


def test_a_strong_password_is_accepted_and_logged(hannelore):
    client = client_for(hannelore)
    response = _change_password(client, "Elbphilharmonie-Nebel-47")
    assert response.status_code == 302
    hannelore.refresh_from_db()
    assert hannelore.check_password("Elbphilharmonie-Nebel-47")
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.PASSWORD_CHANGED, user=hannelore
    ).exists()


def test_changing_the_password_needs_the_current_one(hannelore):
    response = _change_password(client_for(hannelore), "Elbphilharmonie-Nebel-47", old="geraten")
    assert response.status_code == 200
    hannelore.refresh_from_db()
    assert hannelore.check_password(PASSWORD)


def test_password_reset_refuses_a_short_password(hannelore, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": hannelore.email})
    link = re.search(r"https?://[^\s]+/accounts/password/reset/key/[^\s]+", mail.outbox[0].body)
    assert link is not None
    response = client.get(link.group(0), follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link.group(0)
    response = client.post(form_url, {"password1": "Kurz-2026!", "password2": "Kurz-2026!"})
    assert response.status_code == 200
    assert "mindestens 12 Zeichen" in response.content.decode()
    hannelore.refresh_from_db()
    assert hannelore.check_password(PASSWORD)


# --- Re-authentication -----------------------------------------------------------------------


def test_adding_an_email_address_needs_the_password_again(member):
    client = client_for(member)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "neu@example.org"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not member.emailaddress_set.filter(email="neu@example.org").exists()


def test_after_re_entering_the_password_the_email_change_goes_through(member):
    client = client_for(member)
    client.post(reverse("account_email"), {"action_add": "", "email": "neu@example.org"})
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302
    client.post(reverse("account_email"), {"action_add": "", "email": "neu@example.org"})
    assert member.emailaddress_set.filter(email="neu@example.org").exists()


def test_mfa_pages_need_the_password_again(member):
    enrol_mfa(member)
    client = client_for(member)
    for url in (
        reverse("mfa_deactivate_totp"),
        reverse("mfa_view_recovery_codes"),
        reverse("mfa_generate_recovery_codes"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_reauthenticate")), url


def test_member_may_switch_off_a_voluntary_second_factor_after_reauthentication(member):
    enrol_mfa(member)
    client = client_for(member)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=member, type="totp").exists()
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.MFA_CHANGED, user=member, detail__action="removed"
    ).exists()


# --- Security log --------------------------------------------------------------------------


def test_sign_in_failure_and_sign_out_are_logged(member):
    client = Client()
    _sign_in(client, member.email, "Falsch-Passwort-123")
    _sign_in(client, member.email)
    client.post(reverse("account_logout"))
    kinds = list(
        SecurityEvent.objects.filter(user_label=member.email)
        .order_by("created_at", "id")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        SecurityEvent.Kind.LOGIN_FAILED,
        SecurityEvent.Kind.LOGIN,
        SecurityEvent.Kind.LOGOUT,
    ]


def test_mfa_changes_need_the_password_again_once_the_sign_in_is_not_fresh(itd, settings):
    client = Client()
    _sign_in(client, itd.email)
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    # Right after signing in with both factors the recovery codes are shown ...
    assert client.get(reverse("mfa_view_recovery_codes")).status_code == 200
    # ... but once the sign-in is older than the re-authentication window, not any more.
    session = client.session
    records = session["account_authentication_methods"]
    for record in records:
        record["at"] -= settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1
    session["account_authentication_methods"] = records
    session.save()
    response = client.get(reverse("mfa_view_recovery_codes"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
