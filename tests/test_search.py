"""The search at /search/ (issue 12, 6): German full text on PostgreSQL, ranked, highlighted,
and only what the person may open."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Authority, User
from projects.models import Project
from search.engine import START, STOP, Terms, match
from search.providers import PROJECT_FIELDS

from .conftest import client_for
from .factories import MembershipFactory, PersonFactory, ProjectFactory

URL = "/search/"


def _get(user: User | None, **params: Any) -> Any:
    client = client_for(user) if user is not None else Client()
    return client.get(URL, params)


def _hits(response, kind: str) -> str:
    """The hits of one kind; a missing section raises (a 403, a renamed id), so "not in" can
    never pass on a page that shows no hits at all."""
    html = response.content.decode()
    marker = f'id="hits-{kind}"'
    if marker not in html:
        raise AssertionError(
            f"no section {marker} on the search page (status {response.status_code})"
        )
    return html.split(marker, 1)[1].split("</section>", 1)[0]


@pytest.fixture
def hafen(space):
    return ProjectFactory(
        title="Digitalisierungsprojekt Hafenlotsen",
        summary="Lotsen bestellen digital",
        primary_space=space,
        visibility="public",
    )


def test_a_search_finds_other_forms_of_the_word(itd, hafen):
    response = _get(itd, q="Digitalisierungsprojekte")
    assert response.status_code == 200
    assert "Hafenlotsen" in _hits(response, "projects")


def test_the_match_is_highlighted_and_the_text_stays_inert(itd, space):
    ProjectFactory(
        title='<script>alert("x")</script> Hafenkante',
        summary="<img src=x onerror=alert(1)> am Hafen",
        primary_space=space,
    )
    hits = _hits(_get(itd, q="Hafenkante"), "projects")
    assert "<mark>Hafenkante</mark>" in hits
    assert "<script>" not in hits and "<img" not in hits
    assert "&lt;script&gt;" in hits


def test_an_authority_code_finds_the_projects_it_leads_or_takes_part_in(itd, space):
    bvm = Authority.objects.get(code="BVM")
    led = ProjectFactory(title="Ampelschaltung", lead_authority=bvm, primary_space=space)
    other = ProjectFactory(
        title="Schulweg", lead_authority=Authority.objects.get(code="BSB"), primary_space=space
    )
    part = ProjectFactory(
        title="Baustellenplanung", lead_authority=Authority.objects.get(code="BSB")
    )
    part.participating_authorities.add(bvm)
    hits = _hits(_get(itd, q="bvm"), "projects")
    assert led.title in hits and part.title in hits
    assert other.title not in hits


def test_results_are_ranked_title_matches_first(itd, space):
    ProjectFactory(title="Bürgerportal", description="Auch Parkausweise", primary_space=space)
    ProjectFactory(title="Parkausweise digital", summary="Parkausweise online", primary_space=space)
    hits = _hits(_get(itd, q="Parkausweise"), "projects")
    assert hits.index("digital") < hits.index("Bürgerportal")


def test_spaces_and_people_are_found_too(itd, member):
    member.person.function = "Referentin Breitbandausbau"
    member.person.save()
    assert "Mobilität" in _hits(_get(itd, q="Mobilität"), "spaces")
    assert member.last_name in _hits(_get(itd, q="Breitbandausbau"), "people")


@pytest.mark.parametrize(
    ("role", "seen"),
    [
        ("anonymous", {"public"}),
        ("guest", {"public"}),
        ("outsider", {"public", "internal"}),
        ("member", {"public", "internal", "restricted"}),
        ("itd", {"public", "internal", "restricted"}),
    ],
)
def test_a_person_finds_only_what_they_may_open(role, seen, all_roles, space):
    made = {
        v: ProjectFactory(title=f"Leuchtturm {v}", primary_space=space, visibility=v)
        for v in ("public", "internal", "restricted")
    }
    user = all_roles[role]
    hits = _hits(_get(user, q="Leuchtturm"), "projects")
    for visibility, project in made.items():
        assert (project.get_absolute_url() in hits) == (visibility in seen), (role, visibility)
        if visibility in seen:  # and what it finds, it may open
            client = client_for(user) if user is not None else Client()
            assert client.get(project.get_absolute_url()).status_code == 200


def test_visitors_find_no_people_and_guests_only_those_of_their_space(
    guest, other_space, space, member
):
    inside = PersonFactory(user__last_name="Innenkreis", function="Lotsin")
    MembershipFactory(person=inside, space=other_space)
    outside = PersonFactory(user__last_name="Aussenkreis", function="Lotsin")
    MembershipFactory(person=outside, space=space)
    assert "kreis" not in _hits(_get(None, q="Lotsin"), "people")
    found = _hits(_get(guest, q="Lotsin"), "people")
    assert "Innenkreis" in found and "Aussenkreis" not in found


def test_kind_and_space_narrow_the_search(itd, space, other_space):
    ProjectFactory(title="Datenplattform Mobil", primary_space=space)
    ProjectFactory(title="Datenplattform Schule", primary_space=other_space)
    response = _get(itd, q="Datenplattform", kind="projects", space=space.slug)
    hits = _hits(response, "projects")
    assert "Mobil" in hits and "Schule" not in hits
    assert 'id="hits-spaces"' not in response.content.decode()


def test_many_hits_of_one_kind_are_paged(itd, space):
    for i in range(25):
        ProjectFactory(title=f"Sensorik {i:02d}", primary_space=space)
    overview = _get(itd, q="Sensorik")
    assert "Alle 25 Treffer" in overview.content.decode()
    first = _get(itd, q="Sensorik", kind="projects")
    second = _get(itd, q="Sensorik", kind="projects", page=2)
    assert _hits(first, "projects").count("<li>") == 20
    assert _hits(second, "projects").count("<li>") == 5


def test_an_empty_search_shows_the_box_only(itd):
    response = _get(itd, q="   ")
    assert response.status_code == 200
    assert "Treffer" not in response.content.decode()


@pytest.mark.parametrize("q", ["und der die", "%%% *** ???", "!!!"])
def test_a_search_of_only_stop_words_or_signs_says_so(itd, hafen, q):
    response = _get(itd, q=q)
    assert response.status_code == 200
    assert "nur aus Füllwörtern" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "a" * 10_000}, "höchstens 200 Zeichen"),
        ({"q": "Hafen", "kind": "geheim"}, "Diese Art von Treffern gibt es nicht."),
        ({"q": "Hafen", "space": "gibt-es-nicht"}, "Diesen Raum gibt es nicht."),
        ({"q": "Ha\x0bfen"}, "Steuerzeichen"),
    ],
)
def test_bad_searches_answer_400_with_a_message(itd, params, message):
    response = _get(itd, **params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_search_syntax_is_never_an_error(itd, hafen):
    for q in ['"Hafen', "Hafen -", "or or", "-", "Hafen & | ! ( )", "'; DROP TABLE x; --"]:
        assert _get(itd, q=q).status_code == 200, q


def _queries(user: User | None, **params: Any) -> int:
    _get(user, **params)
    with CaptureQueriesContext(connection) as ctx:
        assert _get(user, **params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("params", [{"q": "Netz"}, {"q": "Netz", "kind": "projects"}])
def test_the_search_makes_the_same_queries_for_few_and_many_rows(itd, space, params):
    ProjectFactory(title="Netz 1", primary_space=space)
    MembershipFactory(person=PersonFactory(function="Netzplanung"), space=space)
    few = _queries(itd, **params)
    for i in range(40):
        ProjectFactory(title=f"Netz {i + 2}", primary_space=space)
        MembershipFactory(person=PersonFactory(function="Netzplanung"), space=space)
    assert _queries(itd, **params) == few


def test_the_project_search_uses_its_gin_index(db):
    queryset = match(Project.objects.all(), PROJECT_FIELDS, Terms.of("Hafen"))
    sql, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "project_search_idx" in plan, plan


def test_the_people_search_reads_its_trigram_indexes(itd, authority):
    """Part of a name or a function is found through pg_trgm (contacts/0015) on each table by
    itself, not by testing every person over a join. The indexes hold exactly the expression
    `icontains` compiles to; the planner takes them at city scale (make bench), a test database
    is too small to prove that for the names, so the plan is checked for the functions."""
    from search.providers import _people

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%%_trgm'")
        defs = dict(cursor.fetchall())
    for index, column in (
        ("user_first_name_trgm", "first_name"),
        ("user_last_name_trgm", "last_name"),
        ("user_email_trgm", "email"),
        ("person_function_trgm", "function"),
    ):
        assert f"gin (upper(({column})::text) gin_trgm_ops)" in defs[index]
    sql, params = (
        _people(itd, Terms.of("Digitalisierung"), None).values("pk").query.sql_with_params()
    )
    assert 'UPPER(U0."last_name"::text) LIKE' in sql and " UNION " in sql
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "person_function_trgm" in plan, plan


def test_the_markers_never_come_from_what_people_type(itd, space):
    # Control characters are refused on input, so START/STOP in stored text cannot occur; and
    # a search with them is refused.
    assert _get(itd, q=f"{START}x{STOP}").status_code == 400


def test_the_search_is_linked_from_every_page(client):
    assert reverse("search:search") in client.get("/").content.decode()


# --- Discussions, meetings, documents ------------------------------------------------------------


@pytest.fixture
def working_room(space, other_space, member, guest, coordinator):
    """In the member's space: a thread, a meeting the member is invited to, a document; the
    same in the guest's space, so each finds its own and never the other's."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from discussions import services as discussions
    from documents import services as documents

    from . import document_files as files
    from .factories import make_meeting

    def pdf() -> SimpleUploadedFile:
        return SimpleUploadedFile("agenda.pdf", files.pdf())

    made = {}
    for key, where, who in (("inside", space, member), ("outside", other_space, guest)):
        made[f"thread_{key}"] = discussions.thread_start(
            actor=who, where=where, title=f"Ladesäulen {key}", body="Wir planen Ladesäulen."
        )
        made[f"meeting_{key}"] = make_meeting(
            space=where, invitees=[who], title=f"Ladesäulen-Runde {key}", agenda="1. Ladesäulen"
        )
        made[f"document_{key}"] = documents.document_create(
            actor=who,
            container=where,
            title=f"Ladesäulenkonzept {key}",
            description="Standorte der Ladesäulen",
            upload=pdf(),
            notify=False,
        )
    return made


def test_discussions_meetings_and_documents_are_found_with_stemming(member, working_room):
    response = _get(member, q="Ladesäule")  # the singular finds "Ladesäulen"
    for kind in ("discussions", "meetings", "documents"):
        hits = _hits(response, kind).replace("<mark>", "").replace("</mark>", "")
        assert "Ladesäule" in hits and "inside" in hits, kind
        assert "<mark>" in _hits(response, kind), kind


@pytest.mark.parametrize("role", ["guest", "member", "outsider", "anonymous"])
def test_a_guest_never_finds_what_they_may_not_open(role, all_roles, working_room):
    user = all_roles[role]
    response = _get(user, q="Ladesäulen")
    html = response.content.decode()
    client = client_for(user) if user is not None else Client()
    for kind in ("discussions", "meetings", "documents"):
        for href in _links(_hits(response, kind)):
            assert client.get(href, follow=True).status_code == 200, (role, kind, href)
    # The guest finds their own space's, never the member's (and the other way round).
    if role == "guest":
        assert "Ladesäulen outside" in html.replace("<mark>", "").replace("</mark>", "")
        assert "inside" not in html.replace("<mark>", "").replace("</mark>", "")
    if role == "member":  # staff see every space's documents, not its discussions or meetings
        for kind in ("discussions", "meetings"):
            assert "outside" not in _hits(response, kind)
    if role == "anonymous":
        for kind in ("discussions", "meetings", "documents"):
            assert _links(_hits(response, kind)) == []
    if role in ("guest", "member"):  # the twin: those who may open them find them there
        for kind in ("discussions", "meetings", "documents"):
            assert _links(_hits(response, kind)), (role, kind)


def _links(html: str) -> list[str]:
    import re

    return re.findall(r'<a class="kern-link" href="([^"?]+)"', html)


def test_hidden_posts_are_not_found(itd, member, space, working_room):
    from discussions import services as discussions

    thread = working_room["thread_inside"]
    # The twin: before it is hidden, the same member finds it in the same section.
    hits = _hits(_get(member, q="Ladesäulen"), "discussions")
    assert _links(hits) and "inside" in hits.replace("<mark>", "").replace("</mark>", "")
    discussions.thread_hide(actor=itd, thread=thread, reason="Test")
    assert _links(_hits(_get(member, q="Ladesäulen"), "discussions")) == []


def test_the_new_kinds_use_their_gin_indexes(db):
    from discussions.models import Post
    from documents.models import Document
    from meetings.models import Meeting
    from search.providers import DOCUMENT_FIELDS, MEETING_FIELDS, POST_FIELDS

    for model, fields, stored, index in (
        (Post, POST_FIELDS, "search_vector", "post_search_vector_idx"),
        (Meeting, MEETING_FIELDS, None, "meeting_search_idx"),
        (Document, DOCUMENT_FIELDS, None, "document_search_idx"),
    ):
        found = match(model.objects.all(), fields, Terms.of("Hafen"), stored=stored)
        # Without the model's ordering: a post's (by its thread's newest post) joins the
        # threads, and with few rows the planner may then start from a thread index and filter
        # each thread's posts, whatever indexes the match has (seen once in a full run).
        sql, params = found.order_by().values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert index in plan, plan


def test_the_stored_vector_of_a_post_follows_its_edits(member, space):
    """PostgreSQL keeps the posts' vector (a trigger): an edit is found by its new words only."""
    from discussions import services as discussions

    thread = discussions.thread_start(
        actor=member, where=space, title="Stand", body="Wir prüfen die Radwege."
    )
    assert "Stand" in _hits(_get(member, q="Radweg"), "discussions")
    discussions.post_edit(actor=member, post=thread.posts.get(), body="Wir prüfen die Brücken.")
    assert _links(_hits(_get(member, q="Radweg"), "discussions")) == []
    assert "Stand" in _hits(_get(member, q="Brücke"), "discussions")


def test_beyond_the_cap_the_count_says_more_than(itd, space, settings, monkeypatch):
    from search import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for i in range(5):
        ProjectFactory(title=f"Kaimauer {i}", primary_space=space)
    html = _get(itd, q="Kaimauer").content.decode()
    assert "Mehr als 3 Treffer" in html and "mehr als 3" in html
    paged = _get(itd, q="Kaimauer", kind="projects")
    assert _hits(paged, "projects").count("<li>") == 3
