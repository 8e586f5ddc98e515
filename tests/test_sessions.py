"""Sessions (issue 4): a new key at sign-in, idle and absolute timeouts, signing out the other
sessions, and every session ended when an account is disabled or its role changes."""

from __future__ import annotations

import time

from django.contrib.sessions.models import Session
from django.forms import CheckboxInput, MultiWidget
from django.test import Client
from django.urls import reverse

from contacts.models import User
from contacts.security import SESSION_LOGIN_AT, SESSION_SEEN_AT
from core.models import SecurityEvent
from spaces.models import Membership
from spaces.services import membership_change_role, membership_end

from .conftest import client_for
from .factories import PASSWORD


def _signed_in(client: Client) -> bool:
    return client.get(reverse("dashboard")).status_code == 200


def _set_session(client: Client, **values) -> None:
    session = client.session
    for key, value in values.items():
        session[key] = value
    session.save()


def test_signing_in_gives_a_new_session_key(member):
    client = Client()
    session = client.session
    session["visited"] = True
    session.save()
    before = session.session_key
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert _signed_in(client)


def test_session_ends_after_30_minutes_without_activity(member, settings):
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    client = client_for(member)
    now = int(time.time())
    _set_session(client, **{SESSION_SEEN_AT: now - settings.SESSION_IDLE_TIMEOUT - 1})
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOGOUT, user=member, detail__reason="timeout_idle"
    ).exists()
    page = client.get(reverse("home"))
    assert "nach 30 Minuten ohne Aktivität abgelaufen" in page.content.decode()


def test_active_session_stays_signed_in_within_the_idle_limit(member, settings):
    client = client_for(member)
    now = int(time.time())
    _set_session(client, **{SESSION_SEEN_AT: now - settings.SESSION_IDLE_TIMEOUT + 120})
    assert _signed_in(client)
    # The request counted as activity: the clock starts again.
    assert client.session[SESSION_SEEN_AT] >= now


def test_session_ends_12_hours_after_sign_in_however_active(member, settings):
    assert settings.SESSION_ABSOLUTE_TIMEOUT == 12 * 60 * 60
    client = client_for(member)
    now = int(time.time())
    _set_session(
        client,
        **{SESSION_LOGIN_AT: now - settings.SESSION_ABSOLUTE_TIMEOUT - 1, SESSION_SEEN_AT: now},
    )
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOGOUT, user=member, detail__reason="timeout_absolute"
    ).exists()


def test_timeouts_follow_the_settings(member, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    client = client_for(member)
    _set_session(client, **{SESSION_SEEN_AT: int(time.time()) - 6 * 60})
    assert not _signed_in(client)


def test_signing_out_all_other_sessions_from_the_account_page(member):
    here = client_for(member)
    elsewhere = client_for(member)
    assert _signed_in(here) and _signed_in(elsewhere)
    page = here.get(reverse("access:account_security")).content.decode()
    assert "an 1 weiteren Stelle angemeldet" in page
    response = here.post(reverse("usersessions_list"))
    assert response.status_code == 302
    assert not _signed_in(elsewhere)
    assert _signed_in(here)


# --- Ending sessions when an account is disabled or its role changes -------------------------


def _admin_form_data(response) -> dict:
    """The admin change form as the browser would send it back unchanged."""
    data: dict = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms.extend(formset.forms)
    for form in forms:
        for bound in form:
            if bound.field.disabled:
                continue
            value = bound.value()
            widget = bound.field.widget
            if isinstance(widget, CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(widget, MultiWidget):
                for i, part in enumerate(widget.decompress(value) or []):
                    data[f"{bound.html_name}_{i}"] = part if part is not None else ""
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [v for v in value if v is not None]
            else:
                data[bound.html_name] = "" if value is None else value
    return data


def _admin_save_user(admin_client: Client, user: User, **changes) -> None:
    url = reverse("admin:contacts_user_change", args=[user.pk])
    data = _admin_form_data(admin_client.get(url))
    for key, value in changes.items():
        if value is False:
            data.pop(key, None)
        elif value is True:
            data[key] = "on"
        else:
            data[key] = value
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]


def test_disabling_an_account_in_the_admin_ends_all_its_sessions(itd, member):
    first, second = client_for(member), client_for(member)
    assert _signed_in(first) and _signed_in(second)
    _admin_save_user(client_for(itd), member, is_active=False)
    member.refresh_from_db()
    assert not member.is_active
    assert not _signed_in(first) and not _signed_in(second)
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.SESSIONS_ENDED, user=member, detail__reason="account_disabled"
    ).exists()
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.ROLE_CHANGED, user=member)
    assert event.detail["changes"]["is_active"] == {"old": True, "new": False}


def test_making_an_account_itd_staff_in_the_admin_ends_its_sessions(itd, outsider):
    client = client_for(outsider)
    assert _signed_in(client)
    _admin_save_user(client_for(itd), outsider, is_itd_staff=True)
    assert not _signed_in(client)
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.SESSIONS_ENDED, user=outsider, detail__reason="role_changed"
    ).exists()


def test_saving_an_account_without_role_change_keeps_its_sessions(itd, member):
    client = client_for(member)
    assert _signed_in(client)
    _admin_save_user(client_for(itd), member, first_name="Neuer Vorname")
    assert _signed_in(client)
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ROLE_CHANGED).exists()


def test_role_change_in_a_space_ends_the_persons_sessions(itd, member, space):
    client = client_for(member)
    assert _signed_in(client)
    membership = Membership.objects.get(person__user=member, space=space)
    membership_change_role(actor=itd, membership=membership, role=Membership.Role.COORDINATOR)
    assert not _signed_in(client)
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.ROLE_CHANGED, user=member)
    assert event.detail["changes"]["role"]["new"] == "Koordination"


def test_extending_a_membership_without_role_change_keeps_the_sessions(itd, guest, other_space):
    import datetime as dt

    from django.utils import timezone

    client = client_for(guest)
    assert _signed_in(client)
    membership = Membership.objects.get(person__user=guest, space=other_space)
    membership_change_role(
        actor=itd,
        membership=membership,
        role=Membership.Role.GUEST,
        until=timezone.localdate() + dt.timedelta(days=100),
    )
    assert _signed_in(client)


def test_ending_a_membership_ends_the_persons_sessions(coordinator, member, space):
    client = client_for(member)
    assert _signed_in(client)
    membership = Membership.objects.get(person__user=member, space=space)
    membership_end(actor=coordinator, membership=membership)
    assert not _signed_in(client)
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.SESSIONS_ENDED, user=member, detail__reason="role_changed"
    ).exists()
