"""No list that grows with the city in a page (issue 20, point 1): every picker over a set that
grows (projects, people, readers to mention) is a search that narrows or a bounded list.

The data has the city's shape where it matters, only smaller: more projects, people and readers
than any page may list (LIMIT), so a page that lists them all fails here."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from discussions import services as discussion_services
from meetings.models import Meeting
from notifications.kinds import Kind
from notifications.models import Notification
from projects.models import Project
from spaces.models import Membership
from strategy import services as strategy_services
from strategy.models import Measure

from .conftest import client_for
from .factories import PersonFactory

LIMIT = 200  # "a few hundred": no page lists more entries than this in one list
GROWN = LIMIT + 50  # projects and people: more than any list may hold


class _Lists(HTMLParser):
    """The size of every list in a page: options per <select>, items per <ul>/<ol>, and
    checkboxes or radio buttons per name."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, int]] = []  # (tag, index into sizes)
        self.sizes: list[tuple[str, int]] = []
        self.inputs: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("select", "ul", "ol"):
            name = dict(attrs).get("name") or dict(attrs).get("aria-label") or tag
            self.sizes.append((f"<{tag}> {name}", 0))
            self.open.append((tag, len(self.sizes) - 1))
        elif tag in ("option", "li") and self.open:
            label, size = self.sizes[self.open[-1][1]]
            self.sizes[self.open[-1][1]] = (label, size + 1)
        elif tag == "input":
            values = dict(attrs)
            if values.get("type") in ("checkbox", "radio"):
                self.inputs[f"<input> {values.get('name')}"] += 1

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1][0] == tag:
            self.open.pop()

    def largest(self) -> tuple[str, int]:
        every = [*self.sizes, *self.inputs.items()]
        return max(every, key=lambda pair: pair[1], default=("", 0))


def largest_list(html: str) -> tuple[str, int]:
    parser = _Lists()
    parser.feed(html)
    return parser.largest()


@pytest.fixture
def city(itd, coordinator, member, space, authority):
    """GROWN projects of the space (ITD sees all), ITD noticed about a few of them, and GROWN
    people reading the space's discussions, all called "Kern"."""
    first = Project.objects.get(pk=_projects(space, authority)[0])
    for pk in _projects(space, authority)[:3]:
        Notification.objects.create(
            recipient=itd,
            email=itd.email,
            kind=Kind.choices[0][0],
            title="Ampel geändert",
            project_id=pk,
        )
    people = [
        PersonFactory(user__last_name=f"Kern{i:03}", authority=authority) for i in range(GROWN)
    ]
    Membership.objects.bulk_create(Membership(person=p, space=space) for p in people)
    thread = discussion_services.thread_start(
        actor=member, where=space, title="Ladesäulen", body="Wer hat Zahlen?"
    )
    goal = strategy_services.goal_create(actor=itd, space=space, code="ME-1", title="Ziel")
    return {"project": first, "thread": thread, "goal": goal, "people": people}


def _bulk_projects(space, authority, titles) -> list[Project]:
    """Running internal projects of the space, one per title (slug from the title)."""
    return Project.objects.bulk_create(
        Project(
            title=title,
            slug=title.lower().replace(" ", "-"),
            summary="Ein Vorhaben.",
            primary_space=space,
            lead_authority=authority,
            status="in_progress",
            health="green",
            visibility="internal",
            start=dt.date(2025, 1, 1),
            end=dt.date(2027, 12, 31),
        )
        for title in titles
    )


def _projects(space, authority) -> list[int]:
    if not Project.objects.filter(primary_space=space).exists():
        _bulk_projects(space, authority, (f"Vorhaben {i:03}" for i in range(GROWN)))
    return list(
        Project.objects.filter(primary_space=space).order_by("title").values_list("pk", flat=True)
    )


def test_no_page_with_a_form_lists_the_whole_city(city, itd, coordinator, member, space):
    thread = city["thread"]
    opening = thread.posts.order_by("pk").first()
    pages = [
        (itd, reverse("notifications:list"), {}),
        (itd, reverse("notifications:list"), {"project": city["project"].slug}),
        (member, thread.get_absolute_url(), {}),
        (member, reverse("discussions:space_thread_new", args=[space.slug]), {}),
        (member, reverse("discussions:post_edit", args=[opening.pk]), {}),
        (member, reverse("discussions:space_mention", args=[space.slug]), {"q": "Kern"}),
        (coordinator, reverse("spaces:member_add", args=[space.slug]), {"q": "Kern"}),
        (itd, reverse("access:invitation_list"), {"project_q": "Vorhaben"}),
        (itd, reverse("search:search"), {"q": "Kern"}),
        (member, space.get_absolute_url(), {}),
        (coordinator, reverse("meetings:create", args=[space.slug]), {}),
        (itd, reverse("strategy:goal_create", args=[space.slug]), {}),
        (itd, reverse("reports:schedule_new"), {}),
        (itd, reverse("projects:create"), {}),
        (itd, reverse("projects:edit", args=[city["project"].slug]), {}),
        (itd, reverse("strategy:measure_create", args=[city["goal"].pk]), {}),
    ]
    for user, url, query in pages:
        response = client_for(user).get(url, query)
        assert response.status_code == 200, url
        label, size = largest_list(response.content.decode())
        assert size <= LIMIT, f"{url}?{query}: {label} holds {size} entries"


def test_the_notification_filter_offers_the_noticed_projects_and_accepts_any_visible(city, itd):
    client = client_for(itd)
    page = client.get(reverse("notifications:list")).content.decode()
    offered = [p for p in Project.objects.all() if f'value="{p.slug}"' in page]
    assert [p.pk for p in offered] == sorted(
        Notification.objects.filter(recipient=itd).values_list("project_id", flat=True)
    )
    # A project without notices (a bookmarked address) still filters, and stays chosen.
    quiet = Project.objects.filter(primary_space=city["project"].primary_space).last()
    response = client.get(reverse("notifications:list"), {"project": quiet.slug})
    assert response.status_code == 200
    assert f'<option value="{quiet.slug}" selected>' in response.content.decode()
    assert "Ampel geändert" not in response.content.decode()
    gone = client.get(reverse("notifications:list"), {"project": "gibt-es-nicht"})
    assert gone.status_code == 400 and "Dieses Projekt gibt es nicht." in gone.content.decode()


def test_the_list_counter_finds_a_long_list():
    """The check itself can fail: a list of LIMIT + 1 entries is found."""
    items = "".join("<li>x</li>" for _ in range(LIMIT + 1))
    assert largest_list(f"<ul aria-label='Liste'>{items}</ul>") == ("<ul> Liste", LIMIT + 1)
    options = "".join(f"<option value='{i}'>{i}</option>" for i in range(LIMIT + 1))
    assert largest_list(f"<select name='p'>{options}</select>")[1] == LIMIT + 1
    boxes = "".join("<input type='checkbox' name='invitees'>" for _ in range(LIMIT + 1))
    assert largest_list(boxes) == ("<input> invitees", LIMIT + 1)


def test_many_candidates_are_chosen_by_address_or_short_name(city, itd, coordinator, space):
    """Above PICK_LIMIT the choice takes keys: each must belong to a candidate; an unknown one is
    named, nothing is saved and the typed text stays."""
    people = city["people"]
    client = client_for(coordinator)
    url = reverse("meetings:create", args=[space.slug])
    start = timezone.localtime() + dt.timedelta(days=5)
    data = {
        "title": "Jour fixe",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "place": "BVM",
        "agenda": "",
        "invitees": f"{people[0].user.email}\n{people[1].user.email.upper()}, niemand@example.org",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400 and not Meeting.objects.exists()
    body = refused.content.decode()
    assert "niemandem, der hier gewählt werden kann: niemand@example.org" in body
    assert people[0].user.email in body  # the typed text stays
    data["invitees"] = f"{people[0].user.email}\n{people[1].user.email.upper()}"
    assert client.post(url, data).status_code == 302
    meeting = Meeting.objects.get()
    invited = set(meeting.invitees.values_list("person_id", flat=True))
    assert invited == {people[0].pk, people[1].pk}

    # A measure's projects by their short names; the edit page shows the chosen ones as text.
    client = client_for(itd)
    url = reverse("strategy:measure_create", args=[city["goal"].pk])
    chosen = Project.objects.filter(primary_space=space).order_by("pk")[:2]
    data = {
        "code": "ME-1.1",
        "title": "Maßnahme",
        "lead_authority": city["project"].lead_authority_id,
        "starts_on": "2026-01-01",
        "ends_on": "2027-12-31",
        "projects": "gibt-es-nicht",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400 and not Measure.objects.exists()
    assert "Kurznamen passen zu nichts" in refused.content.decode()
    data["projects"] = " ".join(p.slug for p in chosen)
    assert client.post(url, data).status_code == 302
    measure = Measure.objects.get()
    assert set(measure.projects.all()) == set(chosen)
    edit = client.get(reverse("strategy:measure_edit", args=[measure.pk])).content.decode()
    assert "\n".join(sorted(p.slug for p in chosen)) in edit


# --- The same number of queries at 10 and at 1,000 --------------------------------------------


def _grow(space, authority, itd, n: int, start: int) -> None:
    """n more readers of the space, projects of the space and notices of ITD about them."""
    from contacts.models import Person, User

    users = User.objects.bulk_create(
        User(email=f"leser{start + i}@example.org", first_name="Lea", last_name=f"Leser{start + i}")
        for i in range(n)
    )
    people = Person.objects.bulk_create(Person(user=u, authority=authority) for u in users)
    Membership.objects.bulk_create(Membership(person=p, space=space) for p in people)
    projects = _bulk_projects(space, authority, (f"Wachstum {start + i:04}" for i in range(n)))
    Notification.objects.bulk_create(
        Notification(
            recipient=itd, email=itd.email, kind=Kind.choices[0][0], title="Ampel", project=p
        )
        for p in projects
    )


def _queries(client, url: str, query: dict | None = None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, query or {})
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_the_changed_pages_make_no_more_queries_at_1000_than_at_10(
    itd, coordinator, member, space, authority
):
    _grow(space, authority, itd, 10, 0)
    thread = discussion_services.thread_start(
        actor=member, where=space, title="Ladesäulen", body="Wer hat Zahlen?"
    )
    goal = strategy_services.goal_create(actor=itd, space=space, code="ME-1", title="Ziel")
    pages = [
        (itd, reverse("notifications:list"), None),
        (member, thread.get_absolute_url(), None),
        # "Leser" matches all: at 10 every one is shown, at 1,000 the first 20 and a count (one
        # query, asked only when there are more than shown).
        (member, reverse("discussions:space_mention", args=[space.slug]), {"q": "Leser"}),
        (coordinator, reverse("meetings:create", args=[space.slug]), None),
        (itd, reverse("strategy:measure_create", args=[goal.pk]), None),
        (itd, reverse("projects:create"), None),
    ]
    clients = {user.pk: client_for(user) for user in (itd, coordinator, member)}
    for user, url, query in pages:
        clients[user.pk].get(url, query or {})  # the first request fills the process's caches
    few = [_queries(clients[u.pk], url, q) for u, url, q in pages]
    _grow(space, authority, itd, 990, 10)
    many = [_queries(clients[u.pk], url, q) for u, url, q in pages]
    for (_user, url, query), at_10, at_1000 in zip(pages, few, many, strict=True):
        # A picker over many candidates takes keys and lists none: one query fewer at most.
        counted = 1 if query else 0
        assert at_1000 <= at_10 + counted, f"{url}: {at_10} queries at 10, {at_1000} at 1,000"
