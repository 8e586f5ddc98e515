"""The space page as a home (issue 12, 1): its projects as the viewer may see them, the news of
the space (new projects, status and health, new members), former members listed apart."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditEntry
from core.services import audit_record
from spaces.models import Membership
from spaces.services import membership_end

from .conftest import client_for
from .factories import MembershipFactory, PersonFactory, ProjectFactory


def _section(response, key: str) -> str:
    """The section of the space page whose heading has this id; a missing section raises (a
    403, a renamed id), so "not in" can never pass on a page that lacks the section."""
    html = response.content.decode()
    marker = f'id="{key}"'
    if marker not in html:
        raise AssertionError(f"no section {marker} on the page (status {response.status_code})")
    return html.split(marker, 1)[1].split("</section>", 1)[0]


@pytest.fixture
def three(space):
    return {
        v: ProjectFactory(primary_space=space, visibility=v, title=f"Vorhaben {v}")
        for v in ("public", "internal", "restricted")
    }


@pytest.mark.parametrize(
    ("role", "seen"),
    [
        ("anonymous", {"public"}),
        ("guest", {"public"}),
        ("member", {"public", "internal", "restricted"}),  # restricted: the space's people
        ("outsider", {"public", "internal"}),
        ("itd", {"public", "internal", "restricted"}),
    ],
)
def test_the_space_page_lists_the_projects_the_viewer_may_see(role, seen, all_roles, space, three):
    client = client_for(all_roles[role]) if all_roles[role] else None
    response = (client.get if client else _anonymous_get)(space.get_absolute_url())
    projects = _section(response, "home-projects")
    for visibility, project in three.items():
        assert (project.title in projects) == (visibility in seen), (role, visibility)


def _page(response) -> str:
    """The whole page, which must be the space page itself (200), not a refusal."""
    assert response.status_code == 200, f"the page answered {response.status_code}"
    html = response.content.decode()
    assert 'id="home-projects"' in html, "not the space page"
    return html


def _anonymous_get(url):
    from django.test import Client

    return Client().get(url)


def test_a_project_only_further_assigned_to_the_space_is_listed_too(itd, space, other_space):
    project = ProjectFactory(primary_space=other_space, title="Auch hier")
    project.spaces.add(space)
    response = client_for(itd).get(space.get_absolute_url())
    assert "Auch hier" in _section(response, "home-projects")


def test_the_news_name_new_projects_and_health_changes_only_to_those_who_may_see_them(
    itd, outsider, space, three
):
    for project in three.values():
        audit_record(actor=itd, instance=project, action=AuditEntry.Action.CREATE)
        audit_record(
            actor=itd,
            instance=project,
            action=AuditEntry.Action.UPDATE,
            changes={"health": {"old": "green", "new": "red"}},
        )
    news = _section(client_for(outsider).get(space.get_absolute_url()), "home-activity")
    assert "Neues Projekt: Vorhaben internal" in news
    assert "Ampel von Vorhaben internal: rot" in news
    assert "Vorhaben restricted" not in news  # other staff take no part in it
    assert itd.last_name in news  # staff see who changed it
    everyone = _section(_anonymous_get(space.get_absolute_url()), "home-activity")
    assert "Neues Projekt: Vorhaben public" in everyone
    assert "Vorhaben internal" not in everyone
    assert itd.last_name not in everyone  # visitors see no names


def test_other_changes_of_a_project_are_not_news(itd, member, space, three):
    audit_record(
        actor=itd,
        instance=three["internal"],
        action=AuditEntry.Action.UPDATE,
        changes={"summary": {"old": "a", "new": "b"}},
    )
    news = _section(client_for(member).get(space.get_absolute_url()), "home-activity")
    assert "Vorhaben internal" not in news
    # The twin: a change of its status is news in the same section for the same member.
    audit_record(
        actor=itd,
        instance=three["internal"],
        action=AuditEntry.Action.UPDATE,
        changes={"status": {"old": "planned", "new": "in_progress"}},
    )
    news = _section(client_for(member).get(space.get_absolute_url()), "home-activity")
    assert "Status von Vorhaben internal" in news


def test_new_members_are_news_for_those_who_see_the_members(itd, space):
    person = PersonFactory(user__last_name="Neuzugang")
    MembershipFactory(person=person, space=space)
    news = _section(client_for(itd).get(space.get_absolute_url()), "home-activity")
    assert "Neues Mitglied:" in news and "Neuzugang" in news
    anonymous = _anonymous_get(space.get_absolute_url())
    assert "Neuzugang" not in _page(anonymous)


def test_a_guest_reads_the_new_members_in_one_query_however_many_share_the_space(
    guest, other_space
):
    """The news names new members and nothing else a card's rules would decide: one query,
    not a second over everyone the guest shares a space with (thousands at city scale)."""
    from spaces.permissions import SPACE
    from spaces.selectors import member_activity

    for name in ("Erste", "Zweite", "Dritte"):
        MembershipFactory(person=PersonFactory(user__last_name=name), space=other_space)
    assert SPACE.can(guest, "view_members", other_space)  # the guest's roles, read once
    with CaptureQueriesContext(connection) as queries:
        news = member_activity(guest, other_space, 20)
    assert len(queries.captured_queries) == 1, [q["sql"][:120] for q in queries]
    named = " ".join(item.text for item in news)
    assert all(name in named for name in ("Erste", "Zweite", "Dritte", "Gastperson"))


def test_former_members_are_listed_apart_for_those_who_see_members(itd, coordinator, space):
    person = PersonFactory(user__last_name="Ausgeschieden")
    membership = MembershipFactory(person=person, space=space)
    lapsed = PersonFactory(user__last_name="Abgelaufen")
    MembershipFactory(
        person=lapsed,
        space=space,
        since=dt.date(2024, 1, 1),
        until=timezone.localdate() - dt.timedelta(days=3),
    )
    back = PersonFactory(user__last_name="Wiederda")
    old = MembershipFactory(person=back, space=space)
    membership_end(actor=itd, membership=old)
    MembershipFactory(person=back, space=space)
    membership_end(actor=coordinator, membership=membership)
    response = client_for(itd).get(space.get_absolute_url())
    former = _section(response, "former")
    assert "Ausgeschieden" in former and "Abgelaufen" in former
    assert "Wiederda" not in former  # a member again
    members = _section(response, "members")
    assert "Ausgeschieden" not in members
    assert "Wiederda" in members  # the twin: the member again is listed there
    assert "Ausgeschieden" not in _page(_anonymous_get(space.get_absolute_url()))


def test_a_guest_sees_no_former_members_of_a_space_they_do_not_belong_to(guest, itd, space):
    person = PersonFactory(user__last_name="Ausgeschieden")
    membership_end(actor=itd, membership=MembershipFactory(person=person, space=space))
    page = _page(client_for(guest).get(space.get_absolute_url()))
    assert 'id="former"' not in page and "Ausgeschieden" not in page
    # The twin: those who see the members see the former ones in that section
    # (test_former_members_are_listed_apart_for_those_who_see_members).
    assert "Ausgeschieden" in _section(client_for(itd).get(space.get_absolute_url()), "former")


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["itd", "member", "guest"])
def test_the_home_makes_the_same_queries_for_few_and_many_rows(role, all_roles, itd, space, guest):
    client = client_for(all_roles[role])
    url = space.get_absolute_url()

    def add(n: int) -> None:
        for _i in range(n):
            project = ProjectFactory.create(primary_space=space, visibility="public")
            audit_record(actor=itd, instance=project, action=AuditEntry.Action.CREATE)
            leaving = MembershipFactory.create(person=PersonFactory(), space=space)
            membership_end(actor=itd, membership=leaving)
            MembershipFactory(person=PersonFactory(), space=space, role=Membership.Role.MEMBER)

    add(1)
    few = _queries(client, url)
    add(30)
    assert _queries(client, url) == few


@pytest.mark.parametrize(
    "role", ["anonymous", "guest", "guest_ended", "member", "outsider", "officer", "itd"]
)
def test_every_all_link_of_the_space_and_project_page_opens_for_the_viewer(
    role, all_roles, space, three
):
    """An "Alle: ..." link is shown only to those its page lets in: nobody is sent to a sign-in
    or a 403 from a home section."""
    import re

    from django.test import Client

    user = all_roles[role]
    client = client_for(user) if user else Client()
    pages = [space.get_absolute_url(), three["public"].get_absolute_url()]
    hidden_from_someone = False
    for url in pages:
        html = client.get(url).content.decode()
        links = re.findall(r'<a class="kern-link"\s+href="([^"]+)">(?:Alle|All):', html)
        for link in links:
            response = client.get(link.replace("&amp;", "&"))
            assert response.status_code == 200, (role, url, link, response.status_code)
        hidden_from_someone |= len(links) < 4
    if role in {"member", "itd"}:
        html = client.get(space.get_absolute_url()).content.decode()
        assert html.count("Alle:") >= 4, role  # projects, meetings, discussions, documents
    if role in {"anonymous", "outsider"}:
        assert hidden_from_someone, role
