"""The findings of the outside security audit, each proved closed (one section per finding).

The permission matrix proves the first half of finding 1 for every URL (an account that must
use a second factor and has not enrolled reaches only the enrolment and sign-out);
tests/test_robustness.py posts generated junk into every form.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from access import services as contact_services
from access.models import Invitation
from contacts.models import Person, User
from core import crypto
from core.audiences import Audience, audience
from core.models import AuditEntry, SecurityEvent
from projects import services as project_services
from projects.models import BudgetLine, Milestone, Project, ProjectGuest
from spaces.models import Membership

from .conftest import TEST_TOTP_SECRET, client_for, enrol_mfa
from .factories import (
    PASSWORD,
    ExternalPersonFactory,
    MembershipFactory,
    PersonFactory,
    ProjectFactory,
    audit_of,
    budget_line,
    make_invitation,
)


def _today() -> dt.date:
    return timezone.localdate()


def _sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- 1. Second factor: the gate, secrets at rest, the admin ---------------------------------


def test_unenrolled_itd_cannot_open_the_admin_pages_of_authenticators(itd, db):
    other = PersonFactory(user__is_itd_staff=True, user__is_staff=True).user
    secret_row = Authenticator.objects.filter(user=itd, type="totp").get()
    client = client_for(other, enrol=False)
    for url in (
        reverse("admin:mfa_authenticator_change", args=[secret_row.pk]),
        reverse("admin:mfa_authenticator_changelist"),
        reverse("admin:index"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_totp_secrets_and_recovery_seeds_are_encrypted_at_rest(itd):
    with connection.cursor() as cursor:
        cursor.execute("SELECT data::text FROM mfa_authenticator WHERE user_id = %s", [itd.pk])
        dump = " ".join(row[0] for row in cursor.fetchall())
    assert TEST_TOTP_SECRET not in dump
    totp = Authenticator.objects.get(user=itd, type="totp")
    assert crypto.decrypt(totp.data["secret"]) == TEST_TOTP_SECRET
    seed = Authenticator.objects.get(user=itd, type="recovery_codes").data["seed"]
    assert crypto.is_encrypted(seed)


def test_signing_in_with_an_encrypted_secret_still_works(itd):
    from .conftest import totp_code

    client = Client()
    _sign_in(client, itd.email)
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert _signed_in(client)


def test_the_migration_encrypts_secrets_stored_in_clear(member):
    import importlib

    migration = importlib.import_module("contacts.migrations.0005_encrypt_mfa_secrets")
    clear = Authenticator.objects.create(
        user=member, type="totp", data={"secret": "CLEARTEXTSECRETCLEARTEXTSECRET22"}
    )
    from django.apps import apps

    migration.encrypt_existing(apps, None)
    migration.encrypt_existing(apps, None)  # a second run leaves encrypted values alone
    clear.refresh_from_db()
    assert crypto.decrypt(clear.data["secret"]) == "CLEARTEXTSECRETCLEARTEXTSECRET22"


def test_keys_rotate_without_losing_a_secret(itd, settings):
    from cryptography.fernet import Fernet

    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "re-encrypted" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    totp = Authenticator.objects.get(user=itd, type="totp")
    assert crypto.decrypt(totp.data["secret"]) == TEST_TOTP_SECRET


@pytest.mark.parametrize(
    ("model", "label"),
    [
        ("mfa_authenticator", "mfa/authenticator"),
        ("account_emailaddress", "account/emailaddress"),
        ("usersessions_usersession", "usersessions/usersession"),
    ],
)
def test_account_secrets_are_read_only_in_the_admin(itd, model, label):
    client = client_for(itd)
    if model == "mfa_authenticator":
        row = Authenticator.objects.filter(user=itd, type="totp").get()
    elif model == "account_emailaddress":
        row = EmailAddress.objects.filter(user=itd).get()
    else:
        from allauth.usersessions.models import UserSession

        row = UserSession.objects.filter(user=itd).first()
    change = f"/admin/{label}/{row.pk}/change/"
    page = client.get(change)
    assert page.status_code == 200
    html = page.content.decode()
    assert "secret" not in html and TEST_TOTP_SECRET not in html
    if model == "usersessions_usersession":
        assert row.session_key not in html
    assert client.post(change, {}).status_code == 403
    assert client.get(f"/admin/{label}/add/").status_code == 403
    assert client.post(f"/admin/{label}/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()


def test_signing_out_other_sessions_is_logged(member):
    client = client_for(member)
    client_for(member)  # a second session elsewhere
    response = client.post(reverse("usersessions_list"))
    assert response.status_code == 302
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.SESSIONS_ENDED, user=member, detail__reason="signed_out_elsewhere"
    ).exists()


# --- 2. The longest guest access: one rule, every path, the database -------------------------

FAR = "2099-12-31"


def test_adding_a_guest_for_decades_is_refused(coordinator, space):
    newcomer = ExternalPersonFactory()
    url = reverse("spaces:member_add", kwargs={"slug": space.slug})
    response = client_for(coordinator).post(
        url,
        {"person": newcomer.pk, "role": "guest", "since": _today().isoformat(), "until": FAR},
    )
    assert response.status_code == 400
    assert "höchstens 365 Tage" in response.content.decode()
    assert not Membership.objects.filter(person=newcomer).exists()


def test_changing_a_role_to_guest_for_decades_is_refused(coordinator, space, member):
    membership = Membership.objects.get(person__user=member, space=space)
    url = reverse("spaces:member_role", kwargs={"slug": space.slug, "pk": membership.pk})
    response = client_for(coordinator).post(url, {"role": "guest", "until": FAR})
    assert response.status_code == 400
    assert "höchstens 365 Tage" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "member" and membership.until is None


def test_services_refuse_a_guest_access_beyond_365_days(itd, space, other_space):
    from spaces.services import membership_create

    too_late = _today() + dt.timedelta(days=366)
    person = ExternalPersonFactory()
    with pytest.raises(Exception, match="365"):
        membership_create(actor=itd, space=space, person=person, role="guest", until=too_late)
    project = ProjectFactory()
    with pytest.raises(Exception, match="365"):
        project_services.project_guest_add(
            actor=itd, project=project, person=person, until=too_late
        )
    assert not ProjectGuest.objects.exists()


def test_the_database_refuses_a_guest_access_beyond_365_days(space):
    person = ExternalPersonFactory()
    too_late = _today() + dt.timedelta(days=367)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(person=person, space=space, role="guest", until=too_late)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectGuest.objects.create(project=ProjectFactory(), person=person, until=too_late)
    # A member (not a guest) may stay without an end.
    Membership.objects.create(person=PersonFactory(), space=space, role="member")


# --- 3. A guest is always external; ended access ends every invitation-only account ---------


def test_itd_cannot_invite_a_guest_with_an_authority(itd, space, authority):
    url = reverse("access:invitation_space_create", kwargs={"slug": space.slug})
    response = client_for(itd).post(
        url,
        {
            "email": "partner@uni.example.org",
            "role": "guest",
            "authority": authority.pk,
            "until": (_today() + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "Gäste sind immer externe Partner" in response.content.decode()
    assert not Invitation.objects.filter(email="partner@uni.example.org").exists()
    with pytest.raises(Exception, match="extern"):
        contact_services.invitation_create(
            actor=itd,
            space=space,
            email="partner@uni.example.org",
            role="guest",
            until=_today() + dt.timedelta(days=30),
            authority=authority,
        )


def test_an_old_guest_invitation_with_an_authority_still_makes_an_external_account(
    itd, space, authority
):
    invitation, token = make_invitation(space=space, invited_by=itd, authority=authority)
    client = client_for(None)
    response = client.post(
        reverse("access:invitation_accept", args=[token]),
        {
            "first_name": "Gerda",
            "last_name": "Gast",
            "password1": "Ein-langes-Gastpasswort-2026",
            "password2": "Ein-langes-Gastpasswort-2026",
            "accept_terms": "on",
            "accept_privacy": "on",
        },
    )
    assert response.status_code == 302
    account = User.objects.get(email=invitation.email)
    assert account.person.authority is None
    assert account.invited_account
    assert audience(account) == Audience.EXTERNAL
    membership = Membership.objects.get(person=account.person)
    assert membership.authority is None


def test_an_invited_staff_account_loses_access_when_its_membership_ends(itd, space, authority):
    person = PersonFactory(user__invited_account=True, authority=authority)
    membership = MembershipFactory(person=person, space=space, role="member")
    client = client_for(person.user)
    assert client.get(reverse("dashboard")).status_code == 200
    membership.ended_at = timezone.now()
    membership.until = _today() - dt.timedelta(days=1)
    membership.save()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert not _signed_in(client)
    # ... and cannot sign in again.
    response = _sign_in(Client(), person.user.email)
    assert response.status_code == 403


def test_staff_created_by_itd_keep_their_account_without_memberships(outsider):
    assert client_for(outsider).get(reverse("dashboard")).status_code == 200


# --- 4. Exports clean control characters -----------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_control_character_in_a_title_does_not_break_the_public_export(db, fmt):
    ProjectFactory(title="Ampel\x0bplatt\x1bform", visibility="public", slug="ampel")
    response = client_for(None).get(reverse("projects:export", kwargs={"fmt": fmt}))
    assert response.status_code == 200
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        assert "Ampelplattform" in text and "\x0b" not in text
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.cell(row=2, column=1).value == "Ampelplattform"


# --- 5. One lock-out counter for every form that checks a password --------------------------


def _existing_account_invitation(itd, guest, other_space):
    from spaces.models import Space

    third = Space.objects.exclude(pk=other_space.pk).exclude(slug="mobilitaet-energie")[0]
    return make_invitation(space=third, invited_by=itd, email=guest.email)


def _accept_with(client, token, password):
    return client.post(
        reverse("access:invitation_accept", args=[token]),
        {"password": password, "accept_terms": "on", "accept_privacy": "on"},
    )


def test_a_locked_address_cannot_sign_in_through_an_invitation_link(itd, guest, other_space):
    _invitation, token = _existing_account_invitation(itd, guest, other_space)
    client = Client()
    for _ in range(5):
        _sign_in(client, guest.email, "Falsch-Passwort-123")
    response = _accept_with(client, token, PASSWORD)
    assert response.status_code == 429
    assert "diese E-Mail-Adresse" in response.content.decode()
    assert not _signed_in(client)
    assert Membership.objects.filter(person__user=guest).count() == 1


def test_guesses_on_an_invitation_link_count_toward_the_lockout(itd, guest, other_space):
    _invitation, token = _existing_account_invitation(itd, guest, other_space)
    client = Client()
    for _ in range(5):
        assert _accept_with(client, token, "Falsch-Passwort-123").status_code == 400
    response = _sign_in(client, guest.email)
    assert response.status_code == 429
    assert not _signed_in(client)


def test_guesses_when_deleting_the_account_count_toward_the_lockout(member):
    client = client_for(member)
    for _ in range(5):
        response = client.post(
            reverse("contacts:my_data_delete"), {"password": "Falsch-Passwort-123", "confirm": "on"}
        )
        assert response.status_code == 400
    response = client.post(
        reverse("contacts:my_data_delete"), {"password": PASSWORD, "confirm": "on"}
    )
    assert response.status_code == 429
    member.refresh_from_db()
    assert member.is_active


# --- 6. Contact persons: named publicly only with consent, chosen among those who may see ---


def test_anonymous_visitors_see_a_contact_person_only_with_consent(db):
    shy = PersonFactory(user__last_name="Zurueckhaltend", function="Leitung")
    open_ = PersonFactory(user__last_name="Oeffentlich", function="Sprecherin", named_publicly=True)
    project = ProjectFactory(slug="parkraum", visibility="public")
    project.contact_persons.add(shy, open_)
    html = client_for(None).get(project.get_absolute_url()).content.decode()
    assert "Oeffentlich" in html and "Sprecherin" in html
    assert "Zurueckhaltend" not in html and "Leitung" not in html
    assert open_.user.email not in html


def test_staff_see_every_contact_person(outsider):
    shy = PersonFactory(user__last_name="Zurueckhaltend")
    project = ProjectFactory(slug="parkraum", visibility="public")
    project.contact_persons.add(shy)
    html = client_for(outsider).get(project.get_absolute_url()).content.decode()
    assert "Zurueckhaltend" in html


def test_a_guest_of_another_space_cannot_be_a_contact_person(coordinator, guest, space):
    project = ProjectFactory(slug="intern", primary_space=space, visibility="internal")
    url = reverse("projects:edit", kwargs={"slug": project.slug})
    form = client_for(coordinator).get(url).content.decode()
    assert f'value="{guest.person.pk}"' not in form
    with pytest.raises(Exception, match="sehen"):
        project_services.project_update(
            actor=coordinator,
            project=project,
            version=project.version,
            m2m={"contact_persons": [guest.person]},
        )
    assert not project.contact_persons.exists()


def test_people_set_their_public_consent_on_their_profile(member):
    client = client_for(member)
    page = client.get(reverse("contacts:my_profile"))
    assert page.status_code == 200
    response = client.post(
        reverse("contacts:my_profile"),
        {"function": "Referentin", "phone": "+49 40 1", "named_publicly": "on"},
    )
    assert response.status_code == 302
    person = Person.objects.get(user=member)
    assert person.named_publicly and not person.email_visible_to_guests
    entry = audit_of(person).get(action="update")
    assert "named_publicly" in entry.changes


# --- 7. NUL bytes and invalid encodings answer 400 -------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/contacts/invitations/?invite_project=%00",
        "/admin/contacts/authority/?kind__exact=%2Fe%00",
        "/projects/?q=%ff%fe",
        "/contacts/people/?q=a%1bb",
    ],
)
def test_nul_bytes_and_invalid_encodings_in_a_parameter_answer_400(itd, url):
    response = client_for(itd).get(url)
    assert response.status_code == 400
    assert "Steuerzeichen" in response.content.decode()


def test_a_control_character_in_a_form_answers_400_and_writes_nothing(itd, space, authority):
    from .test_projects_budget import _project_data

    data = _project_data(space, authority, title="Mit\x0bSteuerzeichen")
    response = client_for(itd).post(reverse("projects:create"), data)
    assert response.status_code == 400
    assert not Project.objects.filter(slug="neues-projekt").exists()


def test_tab_and_newline_stay_allowed_in_text(itd, space, authority):
    from .test_projects_budget import _project_data

    data = _project_data(space, authority, description="Zeile 1\r\n\tZeile 2")
    assert client_for(itd).post(reverse("projects:create"), data).status_code == 302


# --- 8. An ended guest is refused at sign-in and it is logged as refused --------------------


def test_an_ended_guest_is_refused_at_sign_in_with_the_reason(guest_ended):
    client = Client()
    response = _sign_in(client, guest_ended.email)
    assert response.status_code == 403
    html = response.content.decode()
    assert "Ihr Zugang ist beendet" in html
    assert "Erfolgreich angemeldet" not in html
    assert not _signed_in(client)
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOGIN_REFUSED, user=guest_ended
    ).exists()
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN, user=guest_ended)


# --- 9. Every limit answers 429 and names what is limited ------------------------------------


def test_the_per_network_limit_on_failed_sign_ins_answers_429(db):
    client = Client()
    for i in range(10):
        assert _sign_in(client, f"person{i}@example.org", "Falsch-Passwort-123").status_code == 200
    response = _sign_in(client, "noch.jemand@example.org", "Falsch-Passwort-123")
    assert response.status_code == 429
    html = response.content.decode()
    assert "von Ihrem Anschluss" in html
    assert "für diese E-Mail-Adresse" not in html


def test_allauths_own_limits_name_what_is_limited(settings, member):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "1/m/ip"}
    client = Client()
    client.post(reverse("account_reset_password"), {"email": member.email})
    response = client.post(reverse("account_reset_password"), {"email": member.email})
    assert response.status_code == 429
    assert "Anträge auf ein neues Passwort" in response.content.decode()


# --- 10. Tampered or empty forms: a clear message, nothing written ---------------------------


@pytest.fixture
def project(space, authority):
    return ProjectFactory(slug="haushalt", primary_space=space, lead_authority=authority)


def test_a_tampered_version_is_answered_with_a_message(itd, project, space, authority):
    from .test_projects_budget import _project_data

    url = reverse("projects:edit", kwargs={"slug": project.slug})
    data = _project_data(space, authority, slug=project.slug, title="Neu", version="abc")
    response = client_for(itd).post(url, data)
    assert response.status_code == 400
    assert "Diese Seite ist veraltet oder wurde verändert" in response.content.decode()
    project.refresh_from_db()
    assert project.title != "Neu"


def test_a_foreign_budget_line_is_not_called_deleted(officer, project, other_space):
    from .factories import budget_formset
    from .test_projects_budget import _budget_url, _row

    foreign = budget_line(ProjectFactory(primary_space=other_space), 2026, planned=Decimal("9"))
    data = budget_formset(
        [_row(planned="1", line_id=foreign.pk, version=foreign.version)], initial=1
    )
    response = client_for(officer).post(_budget_url(project), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "gehört nicht (mehr) zu diesem Haushaltsjahr" in html
    assert "inzwischen gelöscht" not in html


def test_a_budget_post_without_rows_is_not_called_saved(officer, project):
    from .factories import budget_formset
    from .test_projects_budget import _budget_url

    audit_before = AuditEntry.objects.count()
    response = client_for(officer).post(_budget_url(project), budget_formset([]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "keine Zeile ausgefüllt" in html
    assert "gespeichert." not in html.replace("nichts gespeichert", "")
    assert AuditEntry.objects.count() == audit_before
    assert not BudgetLine.objects.filter(project=project).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"start": "0001-01-01"}, "start", "zwischen 2000 und 2100"),
        ({"end": "9999-12-31"}, "end", "zwischen 2000 und 2100"),
    ],
)
def test_slugs_and_project_periods_are_checked(itd, space, authority, overrides, field, message):
    from .test_projects_budget import _project_data

    response = client_for(itd).post(
        reverse("projects:create"), _project_data(space, authority, **overrides)
    )
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Project.objects.filter(title="Neues Projekt").exists()


@pytest.mark.parametrize("typed", ["Hafen-Plattform", "hafen--plattform", " Hafen Plattform "])
def test_a_typed_slug_becomes_an_address_and_the_model_still_checks_it(
    itd, space, authority, typed
):
    """The form makes what is typed into a part of the address (issue 11: no technical error);
    whatever reaches the service without the form is still checked by the model."""
    from .test_projects_budget import _project_data

    response = client_for(itd).post(
        reverse("projects:create"), _project_data(space, authority, slug=typed)
    )
    assert response.status_code == 302
    assert Project.objects.filter(slug="hafen-plattform").exists()
    values = _project_data(space, authority, slug=typed.strip(), title="Direkt")
    values |= {"primary_space": space, "lead_authority": authority}
    values["start"], values["end"] = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    with pytest.raises(ValidationError) as error:
        project_services.project_create(actor=itd, **values)
    assert "Kleinbuchstaben" in " ".join(error.value.message_dict["slug"])


@pytest.mark.parametrize("due", ["0001-01-01", "9999-01-01"])
def test_milestone_dates_must_be_plausible(itd, project, due):
    url = reverse("projects:milestones", kwargs={"slug": project.slug})
    data = {
        "milestones-TOTAL_FORMS": "1",
        "milestones-INITIAL_FORMS": "0",
        "milestones-0-title": "Start",
        "milestones-0-due": due,
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
    }
    response = client_for(itd).post(url, data)
    assert response.status_code == 400
    assert "zwischen 2000 und 2100" in response.content.decode()
    assert not Milestone.objects.filter(project=project).exists()


def test_enrol_helper_still_enrols(member):
    # The fixtures' enrolment writes encrypted secrets too (conftest.enrol_mfa).
    enrol_mfa(member)
    assert crypto.is_encrypted(Authenticator.objects.get(user=member, type="totp").data["secret"])
