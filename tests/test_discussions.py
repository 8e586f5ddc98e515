"""Discussions (issue 12, point 3): who reads and writes where, safe Markdown, @mentions within
the thread's readers, following, edits with their history, moderation, the bad inputs, and the
thread page's queries for few and many posts."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from contacts.models import Authority, User
from contacts.permissions import forget_cached_facts
from discussions import selectors, services
from discussions.markup import handle_for, render
from discussions.models import Follow, Mention, Post, PostRevision, Thread
from discussions.permissions import POST, THREAD, may_discuss
from discussions.selectors import readers, readers_among
from notifications.kinds import Kind
from notifications.models import Notification
from projects.models import ProjectGuest
from spaces.models import Membership

from .conftest import ROLES, client_for
from .factories import (
    ExternalPersonFactory,
    MembershipFactory,
    PersonFactory,
    ProjectFactory,
    audit_of,
)


def handle(user: User) -> str:
    return "@" + handle_for(user.first_name, user.last_name)


def notices(user: User, kind: str) -> int:
    return Notification.objects.filter(recipient=user, kind=kind).count()


@pytest.fixture
def thread(member, space) -> Thread:
    """A thread in `space` (Mobilität & Energie), opened by the member."""
    return services.thread_start(
        actor=member, where=space, title="Ladesäulen im Bezirk", body="Wer hat Zahlen?"
    )


@pytest.fixture
def guest_thread(itd, other_space, guest) -> Thread:
    """A thread in the guest's space (Wissen & Bildung)."""
    return services.thread_start(
        actor=itd, where=other_space, title="Lernplattform", body="Erste Ideen"
    )


@pytest.fixture
def project(space, authority):
    return ProjectFactory(slug="diskussion-projekt", primary_space=space, lead_authority=authority)


# --- Who reads and writes -------------------------------------------------------------------

SPACE_THREAD = {
    "itd": 200,
    "coordinator": 200,
    "officer": 200,  # a member of the space
    "member": 200,
    "guest": 404,  # a guest of another space
    "guest_ended": 302,
    "outsider": 404,  # other staff: no membership, no discussions
    "anonymous": 302,
}


@pytest.mark.parametrize("role", ROLES)
def test_a_space_thread_is_read_by_the_space_and_itd_only(role, all_roles, thread):
    response = client_for(all_roles[role]).get(thread.get_absolute_url())
    assert response.status_code == SPACE_THREAD[role]
    if response.status_code == 200:
        assert "Wer hat Zahlen?" in response.content.decode()


def test_guests_read_and_write_in_the_space_they_were_invited_to(guest, guest_thread):
    client = client_for(guest)
    assert client.get(guest_thread.get_absolute_url()).status_code == 200
    response = client.post(guest_thread.get_absolute_url(), {"body": "Gern, ich helfe."})
    assert response.status_code == 302
    assert guest_thread.posts.filter(author=guest, body="Gern, ich helfe.").exists()
    new = reverse("discussions:space_thread_new", args=[guest_thread.space.slug])
    response = client.post(new, {"title": "Frage", "body": "Von außen"})
    assert response.status_code == 302
    assert Thread.objects.filter(title="Frage", author=guest).exists()


def test_a_guest_whose_access_ended_reads_nothing(guest_ended, guest_thread):
    user = User.objects.get(pk=guest_ended.pk)
    assert not THREAD.can(user, "view", guest_thread)


@pytest.mark.parametrize(
    ("visibility", "expected"),
    [("public", 200), ("internal", 200), ("restricted", 404)],
)
def test_a_guest_of_the_projects_space_takes_part_unless_it_is_restricted(
    visibility, expected, itd, guest, other_space
):
    project = ProjectFactory(slug=f"gast-{visibility}", primary_space=other_space)
    project.visibility = visibility
    project.save(update_fields=["visibility"])
    thread = services.thread_start(actor=itd, where=project, title="Plan", body="Text")
    assert client_for(guest).get(thread.get_absolute_url()).status_code == expected


def test_a_guest_of_a_project_reads_and_writes_on_that_project(itd, guest, project):
    project.visibility = "restricted"
    project.save(update_fields=["visibility"])
    thread = services.thread_start(actor=itd, where=project, title="Abnahme", body="Termin?")
    client = client_for(guest)
    assert client.get(thread.get_absolute_url()).status_code == 404
    ProjectGuest.objects.create(
        project=project, person=guest.person, until=timezone.localdate() + dt.timedelta(days=9)
    )
    client = client_for(User.objects.get(pk=guest.pk))
    assert client.get(thread.get_absolute_url()).status_code == 200
    assert client.post(thread.get_absolute_url(), {"body": "Passt."}).status_code == 302
    assert thread.posts.filter(author=guest).exists()


def test_other_staff_see_an_internal_project_but_not_its_discussions(outsider, itd, project):
    thread = services.thread_start(actor=itd, where=project, title="Intern", body="Text")
    client = client_for(outsider)
    assert client.get(project.get_absolute_url()).status_code == 200
    assert client.get(thread.get_absolute_url()).status_code == 404
    url = reverse("discussions:project_threads", args=[project.slug])
    assert client.get(url).status_code == 403


def _fresh(user: User | None) -> User | AnonymousUser:
    if user is None:
        return AnonymousUser()
    user = User.objects.get(pk=user.pk)
    forget_cached_facts(user)
    return user


def test_the_readers_of_a_space_or_project_are_exactly_who_the_rule_lets_read(
    all_roles, space, other_space, project, itd, guest
):
    """The SQL list of readers (mentions, notices) agrees with the thread rule, per role."""
    restricted = ProjectFactory(slug="nur-beteiligte", primary_space=other_space)
    restricted.visibility = "restricted"
    restricted.save(update_fields=["visibility"])
    ProjectGuest.objects.create(
        project=restricted, person=guest.person, until=timezone.localdate() + dt.timedelta(days=5)
    )
    further = ProjectFactory(slug="weiterer-raum-projekt", primary_space=other_space)
    further.spaces.add(space)
    # Led elsewhere, in the guest's space; the officer's authority (BVM) takes part.
    participating = ProjectFactory(
        slug="beteiligt-projekt",
        primary_space=other_space,
        lead_authority=Authority.objects.get(code="FB"),
    )
    participating.participating_authorities.add(Authority.objects.get(code="BVM"))
    wheres = (space, other_space, project, restricted, further, participating)
    for where in wheres:
        thread = services.thread_start(actor=itd, where=where, title="T", body="B")
        listed = set(readers(where).values_list("pk", flat=True))
        for role, user in all_roles.items():
            allowed = THREAD.can(_fresh(user), "view", Thread.objects.get(pk=thread.pk))
            assert allowed is (user is not None and user.pk in listed), (role, str(where))
    officer = all_roles["officer"]
    assert officer.pk in set(readers(participating).values_list("pk", flat=True))
    assert all_roles["member"].pk not in set(readers(participating).values_list("pk", flat=True))
    # The readers among a few accounts (the mention helper's authors and names) are exactly
    # the readers among them, asked branch by branch of the rule.
    everyone = list(User.objects.order_by("pk").values_list("pk", flat=True))
    User.objects.filter(pk=all_roles["member"].pk).update(is_active=False)
    for where in wheres:
        listed = set(readers(where).values_list("pk", flat=True))
        for some in (everyone, everyone[::2], everyone[1::2], []):
            among = readers_among(where, User.objects.filter(pk__in=some))
            assert set(among.values_list("pk", flat=True)) == listed & set(some), str(where)


# --- Safe Markdown ---------------------------------------------------------------------------

ATTACKS = [
    "<script>alert('x')</script>",
    '<img src="x" onerror="alert(1)">',
    "[klick](javascript:alert(1))",
    "[klick](JaVaScRiPt:alert(1))",
    "[klick](&#106;avascript:alert(1))",
    '<iframe src="https://evil.example.org/"></iframe>',
    '[titel](https://example.org/ "x\\" onmouseover=\\"alert(1)")',
    '[titel](https://example.org/ "<script>alert(1)</script>")',
    "![bild](https://tracker.example.org/pixel.gif)",
    '<a href="https://example.org" onclick="alert(1)">a</a>',
]


class _Elements(HTMLParser):
    """The elements and attributes a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("source", ATTACKS)
def test_script_and_html_in_a_post_are_inert(source, member, thread):
    post = services.post_reply(actor=member, thread=thread, body=source)
    for tag, attrs in elements(post.body_html):
        assert tag in {"p", "a", "code", "strong", "em"}, (source, post.body_html)
        assert not [a for a in attrs if a.startswith("on")], (source, post.body_html)
        if tag == "a":
            assert set(attrs) <= {"href", "title", "rel"}, post.body_html
            assert (attrs["href"] or "").startswith("https://"), post.body_html
            assert attrs["rel"] == "nofollow noopener"
    page = client_for(member).get(thread.get_absolute_url()).content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    assert not [t for t, _a in elements(main) if t in {"script", "img", "iframe"}], source


def test_links_keep_only_safe_schemes_and_get_nofollow_noopener():
    html = render("[a](https://example.org) [m](mailto:a@example.org) [d](data:text/html,x)").html
    assert '<a href="https://example.org" rel="nofollow noopener">a</a>' in html
    assert 'href="mailto:a@example.org"' in html
    assert "data:" not in html.split("[d]")[0] and 'href="data' not in html


def test_markdown_is_rendered_and_headings_stay_below_the_page():
    html = render("# Überschrift\n\n**fett** und _kursiv_\n\n- eins\n- zwei").html
    assert "<h3>Überschrift</h3>" in html
    assert "<strong>fett</strong>" in html and "<em>kursiv</em>" in html
    assert "<li>eins</li>" in html


# --- Mentions --------------------------------------------------------------------------------


def test_a_mentioned_reader_is_marked_and_notified_once(member, coordinator, thread):
    body = f"Frage an {handle(coordinator)}: kommen Sie?"
    post = services.post_reply(actor=member, thread=thread, body=body)
    assert 'class="portal-mention"' in post.body_html
    assert coordinator.get_full_name() in post.body_html
    assert notices(coordinator, Kind.MENTIONED) == 1
    # Edited, still mentioning her: no second notice.
    services.post_edit(actor=member, post=post, body=body + " Bitte bis Freitag.")
    assert notices(coordinator, Kind.MENTIONED) == 1
    assert Mention.objects.filter(post=post, user=coordinator).count() == 1


def test_a_person_mentioned_only_in_an_edit_is_notified_then(member, officer, thread):
    post = services.post_reply(actor=member, thread=thread, body="Erste Fassung")
    assert notices(officer, Kind.MENTIONED) == 0
    services.post_edit(actor=member, post=post, body=f"Erste Fassung, {handle(officer)}")
    assert notices(officer, Kind.MENTIONED) == 1


def test_someone_who_cannot_read_the_thread_is_neither_linked_nor_notified(
    member, guest, outsider, thread
):
    body = f"Hallo {handle(guest)} und {handle(outsider)}"
    post = services.post_reply(actor=member, thread=thread, body=body)
    assert "portal-mention" not in post.body_html
    assert handle(guest) in post.body_html  # plain text, as typed
    assert notices(guest, Kind.MENTIONED) == 0
    assert notices(outsider, Kind.MENTIONED) == 0
    assert not Mention.objects.filter(post=post).exists()


def test_the_author_is_told_which_names_mentioned_nobody(member, guest, coordinator, thread):
    body = f"{handle(guest)}, {handle(coordinator)} und @gibt.esnicht"
    response = client_for(member).post(thread.get_absolute_url(), {"body": body}, follow=True)
    page = response.content.decode()
    assert "Nicht erwähnt und nicht benachrichtigt" in page
    note = page[page.index("Nicht erwähnt und nicht benachrichtigt") :].split("<")[0]
    assert handle(guest) in note and "@gibt.esnicht" in note
    assert handle(coordinator) not in note
    assert notices(guest, Kind.MENTIONED) == 0 and notices(coordinator, Kind.MENTIONED) == 1


def test_an_ambiguous_name_stays_plain_text(member, space, thread):
    twins = [PersonFactory(user__first_name="Jan", user__last_name="Möller").user for _ in range(2)]
    for user in twins:
        MembershipFactory(person=user.person, space=space)
    post = services.post_reply(actor=member, thread=thread, body="Danke @jan.moeller!")
    assert "portal-mention" not in post.body_html
    assert all(notices(user, Kind.MENTIONED) == 0 for user in twins)


def test_umlauts_may_be_typed_or_spelled_out(member, space, thread):
    user = PersonFactory(user__first_name="Jürgen", user__last_name="Müßig").user
    MembershipFactory(person=user.person, space=space)
    for body in ("@jürgen.müßig", "@juergen.muessig", "@Jürgen.Müßig"):
        post = services.post_reply(actor=member, thread=thread, body=body)
        assert "@Jürgen Müßig" in post.body_html, body


def test_an_email_address_is_no_mention(member, coordinator, thread):
    post = services.post_reply(
        actor=member, thread=thread, body=f"Schreiben Sie an x{handle(coordinator)}.de"
    )
    assert "portal-mention" not in post.body_html


def test_the_form_lists_whom_one_can_mention(member, coordinator, officer, guest, space, thread):
    """Beside the form: the thread's participants; all other readers through a search."""
    services.post_reply(actor=coordinator, thread=thread, body="Ich frage nach.")
    page = client_for(member).get(thread.get_absolute_url()).content.decode()
    assert handle(coordinator) in page and handle(member) in page  # they took part
    assert handle(officer) not in page and handle(guest) not in page
    search = reverse("discussions:space_mention", args=[space.slug])
    assert f'href="{search}"' in page

    client = client_for(member)
    found = client.get(search, {"q": officer.last_name}).content.decode()
    assert handle(officer) in found
    assert (
        "Niemand, der hier mitliest" in client.get(search, {"q": guest.last_name}).content.decode()
    )
    assert client_for(guest).get(search).status_code in (403, 404)  # not a reader of the space


def test_the_mention_helper_stays_small_and_names_shared_handles(member, space, thread):
    twins = [
        PersonFactory(user__first_name="Jan", user__last_name=n).user for n in ("Möller", "Moeller")
    ]
    many = [PersonFactory(user__first_name="Eva", user__last_name=f"Kern{i:03}") for i in range(25)]
    for person in [t.person for t in twins] + many:
        MembershipFactory(person=person, space=space)
    help = selectors.mention_help(space, query="Möller")
    assert help.ambiguous == ["jan.moeller"] and help.people == [] and help.total == 1
    help = selectors.mention_help(space, query="eva kern")
    assert len(help.people) == selectors.MENTIONABLE_SHOWN and help.total == 25 and help.more


# --- Following -------------------------------------------------------------------------------


def test_followers_hear_of_replies_but_not_the_one_who_replies(member, officer, thread):
    # The member opened the thread and follows it.
    services.post_reply(actor=officer, thread=thread, body="Ich habe Zahlen.")
    assert notices(member, Kind.THREAD_REPLY) == 1
    assert notices(officer, Kind.THREAD_REPLY) == 0
    # The officer follows now (a reply follows): the member's answer reaches him.
    services.post_reply(actor=member, thread=thread, body="Danke!")
    assert notices(officer, Kind.THREAD_REPLY) == 1
    assert notices(member, Kind.THREAD_REPLY) == 1


def test_a_mentioned_follower_gets_the_mention_only(member, officer, thread):
    services.post_reply(actor=officer, thread=thread, body=f"Siehe {handle(member)}")
    assert notices(member, Kind.MENTIONED) == 1
    assert notices(member, Kind.THREAD_REPLY) == 0


def test_unfollow_and_follow_with_the_buttons(member, coordinator, thread):
    client = client_for(member)
    assert client.post(reverse("discussions:unfollow", args=[thread.pk])).status_code == 302
    assert not Follow.objects.filter(thread=thread, user=member).exists()
    services.post_reply(actor=coordinator, thread=thread, body="Antwort")
    assert notices(member, Kind.THREAD_REPLY) == 0
    assert client.post(reverse("discussions:follow", args=[thread.pk])).status_code == 302
    assert Follow.objects.filter(thread=thread, user=member).exists()


def test_a_follower_who_left_the_space_is_not_notified(member, officer, thread):
    membership = Membership.objects.get(person__user=member, space=thread.space)
    membership.ended_at = timezone.now()
    membership.save(update_fields=["ended_at"])
    services.post_reply(actor=officer, thread=thread, body="Noch jemand da?")
    assert notices(member, Kind.THREAD_REPLY) == 0


# --- Editing ---------------------------------------------------------------------------------


def test_editing_marks_the_post_keeps_the_earlier_version_and_audits(member, thread):
    post = thread.posts.get(number=1)
    client = client_for(member)
    url = reverse("discussions:post_edit", args=[post.pk])
    response = client.post(url, {"title": "Ladesäulen 2026", "body": "Wer hat neue Zahlen?"})
    assert response.status_code == 302
    post.refresh_from_db()
    thread.refresh_from_db()
    assert post.edited_at is not None and post.body == "Wer hat neue Zahlen?"
    assert thread.title == "Ladesäulen 2026"
    revision = PostRevision.objects.get(post=post)
    assert (revision.body, revision.title) == ("Wer hat Zahlen?", "Ladesäulen im Bezirk")
    assert "bearbeitet am" in client.get(thread.get_absolute_url()).content.decode()
    entry = audit_of(post).filter(action="update").get()
    assert entry.changes["body"]["old"] == "Wer hat Zahlen?"


def test_the_history_is_for_moderators(member, coordinator, itd, officer, thread):
    post = thread.posts.get(number=1)
    services.post_edit(actor=member, post=post, body="Neu")
    url = reverse("discussions:post_history", args=[post.pk])
    for user in (coordinator, itd):
        page = client_for(user).get(url)
        assert page.status_code == 200 and "Wer hat Zahlen?" in page.content.decode()
    assert client_for(member).get(url).status_code == 403
    assert client_for(officer).get(url).status_code == 403


def test_editing_someone_elses_post_is_refused(officer, thread):
    post = thread.posts.get(number=1)
    url = reverse("discussions:post_edit", args=[post.pk])
    assert client_for(officer).post(url, {"title": "X", "body": "Übernommen"}).status_code == 403
    post.refresh_from_db()
    assert post.body == "Wer hat Zahlen?" and not PostRevision.objects.exists()


def test_the_author_of_a_hidden_post_is_told_it_can_no_longer_be_edited(
    officer, coordinator, thread
):
    """Audit finding (issue 16): the edit page showed the hidden text, saving gave a bare 400."""
    post = services.post_reply(actor=officer, thread=thread, body="Unsachlicher Satz")
    services.post_hide(actor=coordinator, post=post, reason="Ton der Diskussion")
    post.refresh_from_db()
    assert not POST.can(officer, "edit", post)
    client = client_for(officer)
    url = reverse("discussions:post_edit", args=[post.pk])
    for response in (client.get(url), client.post(url, {"body": "Sachlich formuliert"})):
        assert response.status_code == 403
        page = response.content.decode()
        assert "wurde von der Moderation ausgeblendet" in page
        assert "Unsachlicher Satz" not in page and "Ton der Diskussion" not in page
    with pytest.raises(PermissionDenied):
        services.post_edit(actor=officer, post=post, body="Sachlich formuliert")
    post.refresh_from_db()
    assert post.body == "Unsachlicher Satz" and not PostRevision.objects.exists()
    client.cookies["django_language"] = "en"
    # The locale middleware leaves English active in this thread: give German back after.
    with translation.override("de"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "hidden by the moderators and can no longer be edited" in response.content.decode()


# --- Moderation ------------------------------------------------------------------------------


def test_a_hidden_post_shows_ausgeblendet_to_members_and_the_content_to_moderators(
    member, officer, coordinator, itd, thread
):
    post = services.post_reply(actor=officer, thread=thread, body="Unsachlicher Satz")
    url = reverse("discussions:post_hide", args=[post.pk])
    response = client_for(coordinator).post(url, {"reason": "Ton der Diskussion"})
    assert response.status_code == 302
    member_page = client_for(member).get(thread.get_absolute_url()).content.decode()
    assert "Unsachlicher Satz" not in member_page and "ausgeblendet" in member_page
    assert "Ton der Diskussion" not in member_page
    for moderator in (coordinator, itd):
        page = client_for(moderator).get(thread.get_absolute_url()).content.decode()
        assert "Unsachlicher Satz" in page and "Ton der Diskussion" in page
    assert audit_of(post).filter(changes__hidden__new=True).exists()


def test_a_hidden_thread_is_listed_for_moderators_only(member, coordinator, thread):
    services.thread_hide(actor=coordinator, thread=thread, reason="Doppelt")
    url = reverse("discussions:space_threads", args=[thread.space.slug])
    assert thread.title not in client_for(member).get(url).content.decode()
    assert thread.title in client_for(coordinator).get(url).content.decode()
    page = client_for(member).get(thread.get_absolute_url()).content.decode()
    assert "Ausgeblendete Diskussion" in page and "Wer hat Zahlen?" not in page


def test_only_moderators_hide_and_lock(member, officer, thread):
    for user in (member, officer):
        client = client_for(user)
        hide = reverse("discussions:thread_hide", args=[thread.pk])
        assert client.post(hide, {"reason": "Nein"}).status_code == 403
        assert client.post(reverse("discussions:thread_lock", args=[thread.pk])).status_code == 403
    thread.refresh_from_db()
    assert not thread.is_hidden and not thread.is_locked


def test_a_project_thread_is_moderated_by_the_coordinators_of_its_primary_space(
    coordinator, itd, officer, project
):
    thread = services.thread_start(actor=officer, where=project, title="Projekt", body="Text")
    assert THREAD.can(coordinator, "moderate", thread)
    assert THREAD.can(itd, "moderate", thread)
    assert not THREAD.can(officer, "moderate", thread)


def test_hiding_needs_a_reason(coordinator, thread):
    url = reverse("discussions:thread_hide", args=[thread.pk])
    response = client_for(coordinator).post(url, {"reason": "   "})
    assert response.status_code == 400
    assert "Bitte nennen Sie den Grund" in response.content.decode()
    thread.refresh_from_db()
    assert not thread.is_hidden


def test_no_reply_to_a_locked_thread(member, coordinator, thread):
    client_for(coordinator).post(reverse("discussions:thread_lock", args=[thread.pk]))
    thread.refresh_from_db()
    assert thread.is_locked
    assert audit_of(thread).filter(changes__locked__new=True).exists()
    before = Post.objects.count()
    response = client_for(member).post(thread.get_absolute_url(), {"body": "Noch was"})
    assert response.status_code == 400
    assert "geschlossen" in response.content.decode()
    assert Post.objects.count() == before


def test_no_reply_to_a_hidden_thread(member, coordinator, thread):
    services.thread_hide(actor=coordinator, thread=thread, reason="Off-Topic")
    before = Post.objects.count()
    response = client_for(member).post(thread.get_absolute_url(), {"body": "Noch was"})
    assert response.status_code == 400
    assert "ausgeblendet" in response.content.decode()
    assert Post.objects.count() == before


# --- Bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Bitte schreiben Sie einen Text."),
        ("   \n ", "Bitte schreiben Sie einen Text."),
        ("x" * 50_000, "Höchstens 20.000 Zeichen"),
    ],
)
def test_an_empty_or_huge_reply_is_refused_with_a_message(body, message, member, thread):
    before = (Post.objects.count(), Notification.objects.count())
    response = client_for(member).post(thread.get_absolute_url(), {"body": body})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert (Post.objects.count(), Notification.objects.count()) == before


def test_a_new_thread_without_title_is_refused(member, space):
    url = reverse("discussions:space_thread_new", args=[space.slug])
    response = client_for(member).post(url, {"title": "", "body": "Text"})
    assert response.status_code == 400
    assert not Thread.objects.exists()


def test_services_check_the_rule_themselves(outsider, guest, thread, space):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.post_reply(actor=outsider, thread=thread, body="Hallo")
    with pytest.raises(PermissionDenied):
        services.thread_start(actor=guest, where=space, title="T", body="B")
    assert not may_discuss(guest, space)


# --- Pages and queries -----------------------------------------------------------------------


def _posts(thread: Thread, author: User, count: int) -> None:
    for _ in range(count):
        services.post_reply(
            actor=author, thread=thread, body=f"Beitrag mit **Text** {handle(author)}"
        )


def test_the_thread_page_makes_the_same_queries_for_3_and_60_posts(
    member, coordinator, space, django_assert_num_queries
):
    few = services.thread_start(actor=member, where=space, title="Wenige", body="Start")
    many = services.thread_start(actor=member, where=space, title="Viele", body="Start")
    _posts(few, coordinator, 2)
    _posts(many, coordinator, 59)
    client = client_for(member)
    client.get(few.get_absolute_url())  # the session is warm
    with CaptureQueriesContext(connection) as queries:
        assert client.get(few.get_absolute_url()).status_code == 200
    with django_assert_num_queries(len(queries)):
        response = client.get(many.get_absolute_url())
    assert response.status_code == 200
    assert "Seite 1 von 3" in response.content.decode()


def test_the_space_page_shows_the_recent_threads_and_posts_to_the_space(
    member, outsider, thread, django_assert_num_queries
):
    page = client_for(member).get(thread.space.get_absolute_url()).content.decode()
    assert thread.title in page
    assert f"Neuer Beitrag: {thread.title}" in page
    assert (
        thread.title
        not in client_for(outsider).get(thread.space.get_absolute_url()).content.decode()
    )


def test_the_space_page_makes_the_same_queries_for_few_and_many_threads(member, space):
    client = client_for(member)
    services.thread_start(actor=member, where=space, title="Eins", body="B")
    client.get(space.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(space.get_absolute_url())
    for n in range(12):
        thread = services.thread_start(actor=member, where=space, title=f"T{n}", body="B")
        services.post_reply(actor=member, thread=thread, body="R")
    with CaptureQueriesContext(connection) as many:
        client.get(space.get_absolute_url())
    assert len(many) == len(few)


def test_the_project_page_shows_its_discussions(officer, project):
    services.thread_start(actor=officer, where=project, title="Ausschreibung", body="Stand?")
    page = client_for(officer).get(project.get_absolute_url()).content.decode()
    assert "Ausschreibung" in page


def test_a_post_address_leads_to_its_page_of_the_thread(member, coordinator, space):
    thread = services.thread_start(actor=member, where=space, title="Lang", body="Start")
    _posts(thread, coordinator, 30)
    post = thread.posts.get(number=30)
    response = client_for(member).get(post.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].endswith("?page=2#beitrag-30")


def test_a_guest_is_mentioned_and_answers(member, itd, other_space, guest):
    """The member posts in the guest's space, mentioning the guest; the guest sees the notice
    and replies."""
    MembershipFactory(person=member.person, space=other_space)
    member = User.objects.get(pk=member.pk)
    thread = services.thread_start(
        actor=member, where=other_space, title="Pilot", body=f"{handle(guest)}, machen Sie mit?"
    )
    client = client_for(guest)
    assert "Sie wurden erwähnt: Pilot" in client.get(reverse("notifications:list")).content.decode()
    assert client.post(thread.get_absolute_url(), {"body": "Sehr gern!"}).status_code == 302
    assert notices(member, Kind.THREAD_REPLY) == 1


def test_external_person_factory_is_external(db):
    assert ExternalPersonFactory().authority is None


def test_seed_demo_adds_threads_in_two_spaces_and_on_a_project_once(db, settings):
    import io

    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    assert Thread.objects.filter(space__isnull=False).values("space").distinct().count() == 2
    assert Thread.objects.filter(project__isnull=False).count() == 1
    assert Thread.objects.count() == 4
    assert not Notification.objects.filter(kind__in=[Kind.MENTIONED, Kind.THREAD_REPLY]).exists()
    mention = Post.objects.get(body__contains="@greta.asmussen")
    assert 'class="portal-mention"' in mention.body_html


def test_the_pages_speak_english_too(member, thread):
    from django.utils import translation

    client = client_for(member)
    client.cookies["django_language"] = "en"
    # The locale middleware leaves English active in this thread: give German back after.
    with translation.override("de"):
        page = client.get(thread.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        response = client.post(thread.get_absolute_url(), {"body": "x" * 20_001})
    assert "Publish reply" in page.content.decode()
    assert "At most 20,000 characters (your text has 20001)." in response.content.decode()
