"""Issue 11, point 2: a dashboard per role, what needs attention first, within the access matrix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from contacts.models import Authority, User
from discussions.models import Thread
from documents.models import Document
from projects.models import BudgetLine, Milestone, Project
from spaces.models import Membership

from .conftest import client_for
from .factories import (
    ExternalPersonFactory,
    MembershipFactory,
    ProjectFactory,
    budget_line,
    make_invitation,
    make_meeting,
)

pytestmark = pytest.mark.django_db

URL = "/dashboard/"


def _page(user: User, lang: str = "de") -> str:
    client = client_for(user)
    client.cookies["django_language"] = lang
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def _attention(page: str) -> str:
    """The top section: from its heading to the next h2."""
    start = page.index('id="attention"')
    end = page.index("<h2", start)
    return page[start:end]


def test_the_dashboard_url_is_the_portal_dashboard():
    assert reverse("dashboard") == URL


# --- Coordinator -------------------------------------------------------------------------------


def test_a_coordinator_sees_their_space_red_first_members_invitations_meetings_threads(
    coordinator, space, other_space
):
    green = ProjectFactory(title="Grünes Vorhaben", health="green", primary_space=space)
    red = ProjectFactory(
        title="Rotes Vorhaben", health="red", health_reason="Vergabe gestoppt", primary_space=space
    )
    ProjectFactory(
        title="Fremdes Geheimprojekt", visibility="restricted", primary_space=other_space
    )
    Milestone.objects.create(project=green, title="Konzept abgeben", due=dt.date(2020, 3, 1))
    guest = ExternalPersonFactory(user__last_name="Baldweggast")
    MembershipFactory(
        person=guest,
        space=space,
        role=Membership.Role.GUEST,
        until=timezone.localdate() + dt.timedelta(days=5),
    )
    make_invitation(space=space, invited_by=coordinator, email="neu@partner.example.org")
    make_meeting(space=space, title="Jour fixe Mobilität", invitees=[coordinator])
    Thread.objects.create(space=space, title="Ladesäulen am Hafen", author=coordinator)
    Thread.objects.create(space=other_space, title="Fremder Faden", author=None)

    page = _page(coordinator)
    assert page.index('id="attention"') < page.index('id="my-projects"')
    top = _attention(page)
    assert "Konzept abgeben" in top  # overdue milestone
    assert "Rotes Vorhaben" in top and "Vergabe gestoppt" in top
    assert "Baldweggast" in top  # membership ending within 14 days
    assert f'href="{space.get_absolute_url()}#members"' in top
    assert "Jour fixe Mobilität" in top  # no answer yet
    projects = page[page.index('id="my-projects"') :]
    assert projects.index("Rotes Vorhaben") < projects.index("Grünes Vorhaben")
    assert "Fremdes Geheimprojekt" not in page
    assert "Die Räume, die Sie koordinieren" in page
    assert "offene Einladung" in page and "neu@partner.example.org" in page
    invitations = reverse("access:invitation_space_list", kwargs={"slug": space.slug})
    assert f'href="{invitations}"' in page and "Link gültig bis" in page
    assert "Ladesäulen am Hafen" in page
    assert "Fremder Faden" not in page
    assert red.get_absolute_url() in page


def test_a_coordinator_counts_only_active_members(coordinator, space):
    MembershipFactory(space=space)
    MembershipFactory(space=space, until=timezone.localdate() - dt.timedelta(days=2))
    page = _page(coordinator)
    start = page.index('id="coordinated-spaces"')
    # the coordinator, the officer-less fixture world: coordinator + the new active member
    assert "2 Mitglieder" in page[start : start + 2000]


# --- Officer -----------------------------------------------------------------------------------


def test_an_officer_sees_budget_lines_to_keep_current(officer, authority):
    year = timezone.localdate().year
    missing = ProjectFactory(title="Ohne Zeile", lead_authority=authority)
    stale = ProjectFactory(title="Alte Zeile", lead_authority=authority)
    line = budget_line(stale, year=year)
    BudgetLine.objects.filter(pk=line.pk).update(updated_at=timezone.now() - dt.timedelta(days=120))
    fresh = ProjectFactory(title="Frische Zeile", lead_authority=authority)
    budget_line(fresh, year=year)
    ProjectFactory(title="Abgeschlossen ohne Zeile", lead_authority=authority, status="completed")
    ProjectFactory(title="Andere Behörde", lead_authority=Authority.objects.get(code="FB"))

    page = _page(officer)
    section = page[page.index('id="budget-to-update"') : page.index('id="my-projects"')]
    assert "Ohne Zeile" in section and "keine Zeile im laufenden Haushaltsjahr" in section
    assert "Alte Zeile" in section
    assert "Frische Zeile" not in section
    assert "Abgeschlossen ohne Zeile" not in section
    assert "Andere Behörde" not in section
    assert reverse("projects:budget", kwargs={"slug": missing.slug}) in section
    assert "90 Tagen" in section  # the rule is said


def test_an_officer_whose_lines_are_all_current_is_told_so(officer, authority):
    fresh = ProjectFactory(title="Frisch", lead_authority=authority)
    budget_line(fresh, year=timezone.localdate().year)
    page = _page(officer)
    section = page[page.index('id="budget-to-update"') : page.index('id="my-projects"')]
    assert "Alle Budgetzeilen Ihrer Projekte sind aktuell." in section


def test_an_officer_sees_their_authoritys_projects_and_overdue_milestones(
    officer, authority, other_space
):
    elsewhere = Authority.objects.get(code="FB")
    led = ProjectFactory(title="Geführt", lead_authority=elsewhere, primary_space=other_space)
    led.participating_authorities.add(authority)
    Milestone.objects.create(project=led, title="Längst fällig", due=dt.date(2021, 1, 1))
    page = _page(officer)
    assert "Projekte Ihrer Behörde" in page
    assert "Geführt" in page[page.index('id="my-projects"') :]
    assert "Längst fällig" in _attention(page)


# --- Member and other staff --------------------------------------------------------------------


def test_a_member_sees_the_projects_of_their_spaces_and_authority(member, space, other_space):
    bukea = Authority.objects.get(code="BUKEA")
    ProjectFactory(title="Im Raum", primary_space=space)
    ProjectFactory(title="Der Behörde", primary_space=other_space, lead_authority=bukea)
    ProjectFactory(
        title="Fremd und eingeschränkt",
        primary_space=other_space,
        visibility="restricted",
        lead_authority=Authority.objects.get(code="FB"),
    )
    page = _page(member)
    projects = page[page.index('id="my-projects"') :]
    assert "Im Raum" in projects and "Der Behörde" in projects
    assert "Fremd und eingeschränkt" not in page
    assert 'id="budget-to-update"' not in page
    assert 'id="coordinated-spaces"' not in page


def test_other_staff_see_the_projects_of_their_authority(outsider, other_space):
    fb = Authority.objects.get(code="FB")
    ProjectFactory(title="Finanzbehörde führt", primary_space=other_space, lead_authority=fb)
    ProjectFactory(title="Nicht meins", primary_space=other_space)
    page = _page(outsider)
    projects = page[page.index('id="my-projects"') :]
    assert "Projekte Ihrer Behörde" in projects
    assert "Finanzbehörde führt" in projects
    assert "Nicht meins" not in projects
    # No space of their own: no meetings or discussions sections to stay empty.
    assert 'id="next-meetings"' not in page and 'id="recent-threads"' not in page


def test_a_member_is_reminded_of_unanswered_meetings_only(member, space):
    from meetings.models import Invitee

    make_meeting(space=space, title="Offen", invitees=[member], days=3)
    answered = make_meeting(space=space, title="Beantwortet", invitees=[member], days=4)
    Invitee.objects.filter(meeting=answered).update(answer="yes")
    top = _attention(_page(member))
    assert "Offen" in top and "Beantwortet" not in top


# --- Guest -------------------------------------------------------------------------------------


def test_a_guest_sees_their_space_its_meetings_discussions_documents(
    guest, other_space, space, coordinator
):
    ProjectFactory(title="Bildungsprojekt", primary_space=other_space)
    ProjectFactory(title="Eingeschränkt", primary_space=other_space, visibility="restricted")
    ProjectFactory(title="Mobilitätsprojekt", primary_space=space)
    make_meeting(space=other_space, title="Treffen Bildung", invitees=[guest])
    make_meeting(space=space, title="Treffen Mobilität", invitees=[coordinator])
    Thread.objects.create(space=other_space, title="Faden Bildung", author=None)
    Thread.objects.create(space=space, title="Faden Mobilität", author=None)
    Document.objects.create(space=other_space, title="Protokoll Bildung")
    Document.objects.create(space=space, title="Protokoll Mobilität")

    page = _page(guest)
    assert "Projekte, an denen Sie beteiligt sind" in page
    for shown in ("Bildungsprojekt", "Treffen Bildung", "Faden Bildung", "Protokoll Bildung"):
        assert shown in page, shown
    for hidden in (
        "Eingeschränkt",
        "Mobilitätsprojekt",
        "Treffen Mobilität",
        "Faden Mobilität",
        "Protokoll Mobilität",
    ):
        assert hidden not in page, hidden


def test_a_guest_is_told_when_their_access_ends_within_14_days(guest, other_space):
    Membership.objects.filter(person__user=guest).update(
        until=timezone.localdate() + dt.timedelta(days=10)
    )
    top = _attention(_page(guest))
    assert "Ihr Zugang zum Raum endet am" in top and escape(other_space.name) in top


def test_a_guest_with_access_ending_later_sees_nothing_ending(guest):
    # The factory gives guests 60 days.
    assert "Ihr Zugang zum Raum endet" not in _attention(_page(guest))


def test_a_project_guest_sees_their_project(itd, guest):
    from projects.services import project_guest_add

    project = ProjectFactory(title="Einzeln eingeladen", visibility="restricted")
    project_guest_add(
        actor=itd,
        project=project,
        person=guest.person,
        until=timezone.localdate() + dt.timedelta(days=7),
    )
    page = _page(guest)
    assert "Einzeln eingeladen" in page[page.index('id="my-projects"') :]
    assert "Ihr Zugang zum Projekt endet am" in _attention(page)


# --- ITD ---------------------------------------------------------------------------------------


def test_itd_keeps_the_cockpit_with_attention_on_top(itd):
    ProjectFactory(title="Überall rot", health="red", health_reason="Verzug")
    page = _page(itd)
    assert "Überall rot" in _attention(page)
    assert page.index('id="attention"') < page.index('id="cockpit"')
    assert 'id="my-projects"' not in page


# --- Languages and nothing to do ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "officer", "member", "outsider", "guest"])
def test_every_role_dashboard_speaks_english(role, all_roles):
    page = _page(all_roles[role], "en")
    assert "What needs attention first" in page
    assert "Was zuerst Aufmerksamkeit braucht" not in page


def test_an_empty_attention_says_so(outsider):
    assert "Nichts Dringendes" in _attention(_page(outsider))


def test_the_officers_heading_reads_correctly_for_any_authority_name(officer, authority):
    page = _page(officer)
    assert f"Digitalisierungsverantwortliche Ihrer Behörde: {authority.name}" in page
    assert "Digitalisierungsverantwortliche der " not in page


# --- A fixed number of queries -----------------------------------------------------------------


def _fill(n: int, since: int, space, other_space, authority, user: User) -> None:
    from meetings.models import Invitee

    projects = Project.objects.bulk_create(
        Project(
            title=f"Viel {since + i}",
            slug=f"viel-{since + i}",
            primary_space=space if i % 2 else other_space,
            lead_authority=authority,
            status="in_progress",
            health=("red", "amber", "green")[i % 3],
            health_reason="" if i % 3 == 2 else "Verzug",
            start=dt.date(2025, 1, 1),
            end=dt.date(2027, 12, 31),
            visibility="internal",
        )
        for i in range(n)
    )
    Milestone.objects.bulk_create(
        Milestone(project=p, title=f"Fällig {p.pk}", due=dt.date(2020, 1, 1)) for p in projects
    )
    for i in range(n):
        s = space if i % 2 else other_space
        meeting = make_meeting(space=s, title=f"Termin {since + i}", days=2 + i % 20)
        if user is not None:
            Invitee.objects.create(meeting=meeting, person=user.person)
        Thread.objects.create(space=s, title=f"Faden {since + i}", author=None)
        Document.objects.create(space=s, title=f"Dokument {since + i}")
        MembershipFactory(
            space=s,
            role=Membership.Role.GUEST,
            person=ExternalPersonFactory(),
            until=timezone.localdate() + dt.timedelta(days=1 + i % 13),
        )
        make_invitation(space=s, invited_by=None)


def _count(client) -> int:
    client.get(URL)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["itd", "coordinator", "officer", "member", "outsider", "guest"])
def test_the_dashboard_makes_the_same_number_of_queries_for_few_and_many_rows(
    role, all_roles, space, other_space, authority
):
    user = all_roles[role]
    client = client_for(user)
    _fill(2, 0, space, other_space, authority, user)
    few = _count(client)
    _fill(25, 100, space, other_space, authority, user)
    many = _count(client)
    assert few == many


@pytest.mark.parametrize("role", ["itd", "coordinator", "officer", "member", "outsider", "guest"])
def test_every_link_of_a_dashboard_leads_somewhere_the_viewer_may_go(
    role, all_roles, space, other_space, authority
):
    import re

    user = all_roles[role]
    _fill(2, 0, space, other_space, authority, user)
    client = client_for(user)
    page = client.get(URL).content.decode()
    main = page[page.index('<main id="main"') : page.index("</main>")]
    links = {href.split("#")[0] for href in re.findall(r'href="(/[^"]*)"', main)} - {""}
    assert links
    for href in sorted(links):
        assert client.get(href.replace("&amp;", "&")).status_code == 200, href


def test_a_guests_dashboard_looks_up_only_the_coordinators_it_names(guest, other_space):
    """The coordinators' cards ask "shares a space with me" for these people together, never
    for everyone the guest shares a space with (thousands in a large space)."""
    coordinator = MembershipFactory(space=other_space, role=Membership.Role.COORDINATOR).person
    for _ in range(3):
        MembershipFactory(space=other_space)
    with CaptureQueriesContext(connection) as queries:
        page = _page(guest)
    assert escape(coordinator.name) in page
    shared = [q["sql"] for q in queries if 'AS "person_id" FROM "spaces_membership"' in q["sql"]]
    assert shared, "the rule was not asked: the test would prove nothing"
    for sql in shared:
        assert f'"spaces_membership"."person_id" IN ({coordinator.pk})' in sql, sql


def test_the_newest_line_per_project_is_computed_once_to_decide_and_once_to_show(
    officer, authority
):
    """ "Missing or older" as one comparison: the newest line of the year is in the query
    twice (shown, and compared once), not three times (shown, IS NULL, older), which made
    PostgreSQL compute it twice for every running project of the authority."""
    budget_line(ProjectFactory(title="Zeile", lead_authority=authority))
    with CaptureQueriesContext(connection) as ctx:
        _page(officer)
    newest = 'SELECT U0."updated_at" AS "updated_at" FROM "projects_budgetline"'
    found = [q["sql"] for q in ctx.captured_queries if newest in q["sql"]]
    assert len(found) == 1, found
    assert found[0].count(newest) == 2, found[0]
