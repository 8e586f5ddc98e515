"""Who sees which project and which budget figure (docs/access.md), pages and exports."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Authority
from projects import services
from projects.models import Project
from spaces.models import Space

from .conftest import client_for
from .factories import ExternalPersonFactory, ProjectFactory, budget_line

# An amount no page shows by accident: if it appears, a budget figure leaked.
SECRET = Decimal("987654.32")
SECRET_SHOWN = "987.654,32"
SECRET_CSV = "987654,32"


@pytest.fixture
def projects(space, other_space, authority):
    """One project per visibility in `space` (own for coordinator, officer, member)."""
    made = {}
    for visibility in ("public", "internal", "restricted"):
        project = ProjectFactory(
            slug=f"sichtbar-{visibility}",
            title=f"Projekt {visibility}",
            visibility=visibility,
            primary_space=space,
            lead_authority=authority,
        )
        budget_line(project, 2026, planned=SECRET, revised=SECRET, actual=Decimal("1.00"))
        made[visibility] = project
    # A restricted project of another space and authority: own for nobody of the fixtures.
    foreign = ProjectFactory(
        slug="fremd-restricted",
        visibility="restricted",
        primary_space=Space.objects.get(slug="kultur-sport-freizeit"),
        lead_authority=Authority.objects.get(code="BKM"),
    )
    budget_line(foreign, 2026, planned=SECRET)
    made["foreign"] = foreign
    return made


VISIBLE = {
    # role: (public, internal, restricted in own space, restricted elsewhere)
    "itd": (True, True, True, True),
    "coordinator": (True, True, True, False),
    "officer": (True, True, True, False),
    "member": (True, True, True, False),
    "guest": (True, False, False, False),
    "outsider": (True, True, False, False),
    "anonymous": (True, False, False, False),
}


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_visibility_follows_the_access_matrix(role, all_roles, projects):
    user = all_roles[role]
    visible = set(Project.objects.visible_to(user).values_list("slug", flat=True))
    expected = VISIBLE[role]
    for key, should in zip(("public", "internal", "restricted", "foreign"), expected, strict=True):
        assert (projects[key].slug in visible) is should, f"{role} / {key}"
        status = client_for(user).get(projects[key].get_absolute_url()).status_code
        assert status == (200 if should else 404), f"{role} GET {key}"
    listed = client_for(user).get(reverse("projects:list")).content.decode()
    for key, should in zip(("public", "internal", "restricted", "foreign"), expected, strict=True):
        assert (projects[key].get_absolute_url() in listed) is should, f"{role} list {key}"


def test_a_project_invitation_lets_a_guest_see_an_internal_or_restricted_project(
    itd, guest, projects
):
    person = guest.person
    project = projects["restricted"]
    assert client_for(guest).get(project.get_absolute_url()).status_code == 404
    services.project_guest_add(
        actor=itd, project=project, person=person, until=timezone.localdate() + dt.timedelta(30)
    )
    response = client_for(guest).get(project.get_absolute_url())
    assert response.status_code == 200
    # Invited, yet never a budget figure.
    assert SECRET_SHOWN not in response.content.decode()
    assert "Budget in Vollkosten" not in response.content.decode()


def test_an_ended_project_invitation_hides_the_project_again(itd, guest, projects):
    project = projects["internal"]
    invitation = services.project_guest_add(
        actor=itd,
        project=project,
        person=guest.person,
        until=timezone.localdate() + dt.timedelta(30),
    )
    services.project_guest_end(actor=itd, guest=invitation)
    assert client_for(guest).get(project.get_absolute_url()).status_code == 404


def test_project_invitation_needs_an_end_date_and_an_editor(itd, member, projects):
    person = ExternalPersonFactory()
    with pytest.raises(services.ValidationError):
        services.project_guest_add(
            actor=itd, project=projects["internal"], person=person, until=None
        )
    with pytest.raises(services.PermissionDenied):
        services.project_guest_add(
            actor=member,
            project=projects["internal"],
            person=person,
            until=timezone.localdate() + dt.timedelta(3),
        )


@pytest.mark.parametrize("role", ["guest", "anonymous", "outsider"])
def test_guests_anonymous_and_other_staff_never_get_a_single_project_budget_figure(
    role, all_roles, projects
):
    client = client_for(all_roles[role])
    pages = [
        projects["public"].get_absolute_url(),
        reverse("projects:list"),
        reverse("projects:list") + "?year=2026",
        reverse("projects:export", kwargs={"fmt": "csv"}),
    ]
    if role == "outsider":
        pages.append(projects["internal"].get_absolute_url())
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode("utf-8-sig")
        assert SECRET_SHOWN not in body, url
        assert SECRET_CSV not in body, url
    xlsx = client.get(reverse("projects:export", kwargs={"fmt": "xlsx"}))
    assert xlsx.status_code == 200
    assert not _xlsx_numbers(xlsx.content)
    budget = client.get(reverse("projects:budget_export", kwargs={"fmt": "csv"}))
    assert budget.status_code in (302, 403)


def test_the_public_project_page_shows_no_budget_to_anonymous_but_the_programme_total_is_public(
    projects,
):
    home = client_for(None).get(reverse("home")).content.decode()
    assert "Programmbudget" in home
    assert projects["public"].title in home
    assert projects["internal"].title not in home
    assert (
        SECRET_SHOWN
        not in client_for(None).get(projects["public"].get_absolute_url()).content.decode()
    )


@pytest.mark.parametrize("role", ["itd", "coordinator", "officer", "member"])
def test_own_people_see_the_budget_and_the_audit_trail(role, all_roles, projects):
    response = client_for(all_roles[role]).get(projects["restricted"].get_absolute_url())
    body = response.content.decode()
    assert SECRET_SHOWN in body
    assert "Änderungsprotokoll" in body


def test_other_staff_see_the_internal_project_but_no_budget_and_no_trail(outsider, projects):
    body = client_for(outsider).get(projects["internal"].get_absolute_url()).content.decode()
    assert projects["internal"].title in body
    assert "Änderungsprotokoll" not in body
    assert SECRET_SHOWN not in body


def test_budget_export_contains_only_lines_the_viewer_may_see(coordinator, projects):
    response = client_for(coordinator).get(reverse("projects:budget_export", kwargs={"fmt": "csv"}))
    body = response.content.decode("utf-8-sig")
    assert projects["restricted"].title in body
    assert projects["foreign"].title not in body


def test_portfolio_export_leaves_out_figures_of_projects_the_viewer_may_not_budget(
    outsider, officer, projects
):
    # The outsider (other staff) sees internal projects, but no budget: no budget column at all.
    body = client_for(outsider).get(reverse("projects:export", kwargs={"fmt": "csv"}))
    header = body.content.decode("utf-8-sig").splitlines()[0]
    assert "Plan" not in header.split(";")
    # The officer sees budget columns, filled for own projects only.
    rows = (
        client_for(officer)
        .get(reverse("projects:export", kwargs={"fmt": "csv"}))
        .content.decode("utf-8-sig")
        .splitlines()
    )
    assert "Plan" in rows[0].split(";")
    assert all(SECRET_CSV in r for r in rows if "sichtbar-" in r)


def _xlsx_numbers(content: bytes) -> list:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return [
        cell.value
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, int | float | Decimal)
    ]


@pytest.mark.parametrize(
    ("role", "can_edit", "can_budget"),
    [
        ("itd", True, True),
        ("coordinator", True, False),
        ("officer", True, True),
        ("member", False, False),
    ],
)
def test_edit_links_follow_the_matrix(role, can_edit, can_budget, all_roles, projects):
    project = projects["restricted"]
    body = client_for(all_roles[role]).get(project.get_absolute_url()).content.decode()
    assert (reverse("projects:edit", kwargs={"slug": project.slug}) in body) is can_edit
    assert (reverse("projects:budget", kwargs={"slug": project.slug}) in body) is can_budget


def test_coordinator_cannot_move_a_project_into_a_space_they_do_not_coordinate(
    coordinator, projects, other_space
):
    project = projects["internal"]
    with pytest.raises(services.ValidationError) as error:
        services.project_update(
            actor=coordinator,
            project=project,
            version=project.version,
            primary_space=other_space,
            lead_authority=Authority.objects.get(code="BKM"),
        )
    assert "primary_space" in error.value.message_dict
    project.refresh_from_db()
    assert project.primary_space_id != other_space.pk


def test_project_pages_work_in_english_with_english_money_and_exports_keep_their_format(
    itd, projects, settings
):
    client = client_for(itd)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    project = projects["restricted"]
    urls = [
        reverse("projects:list"),
        project.get_absolute_url(),
        reverse("projects:edit", kwargs={"slug": project.slug}),
        reverse("projects:budget", kwargs={"slug": project.slug}) + "?year=2026",
        reverse("projects:milestones", kwargs={"slug": project.slug}),
        reverse("projects:cost_rates"),
        reverse("projects:programme_budget"),
        reverse("dashboard"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="en">' in response.content.decode(), url
    page = client.get(project.get_absolute_url()).content.decode()
    assert "€987,654.32" in page and SECRET_SHOWN not in page
    export = client.get(reverse("projects:export", kwargs={"fmt": "csv"}))
    assert SECRET_CSV in export.content.decode("utf-8-sig")


def test_a_guest_of_a_space_sees_its_internal_projects_but_restricted_ones_only_when_invited(
    itd, guest, other_space
):
    """Restricted means "the participants only": a guest of the space is no participant."""
    from projects.services import project_guest_add

    internal = ProjectFactory(slug="gast-intern", visibility="internal", primary_space=other_space)
    restricted = ProjectFactory(
        slug="gast-eingeschraenkt", visibility="restricted", primary_space=other_space
    )
    client = client_for(guest)
    assert client.get(internal.get_absolute_url()).status_code == 200
    assert client.get(restricted.get_absolute_url()).status_code == 404
    listed = client.get(reverse("projects:list")).content.decode()
    assert internal.get_absolute_url() in listed
    assert restricted.get_absolute_url() not in listed

    project_guest_add(
        actor=itd,
        project=restricted,
        person=guest.person,
        until=timezone.localdate() + dt.timedelta(days=30),
    )
    assert client_for(guest).get(restricted.get_absolute_url()).status_code == 200
