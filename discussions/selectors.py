"""Reads of the discussions, shaped for the viewer: lists, the thread page, who may be
mentioned, the space page's section and activity. Every read starts from the rule's scope."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse

from contacts.models import User
from core.audiences import Viewer, is_signed_in
from core.narrowing import clean_query, narrowed
from projects.models import Project
from spaces.models import Space

from .markup import Target, handle_for
from .models import Follow, Post, Thread
from .permissions import DISCUSSES_IN_SPACE, DISCUSSES_ON_PROJECT, POST, THREAD

POSTS_PER_PAGE = 25
THREADS_PER_PAGE = 25


# --- Who reads a space's or a project's discussions ------------------------------------------


def readers(where: Space | Project) -> QuerySet[User]:
    """The accounts that may read (and write in) the discussions of a space or a project: the
    rule of its threads (permissions.DISCUSSES_*) read as accounts, not written a second time."""
    rule = DISCUSSES_IN_SPACE if isinstance(where, Space) else DISCUSSES_ON_PROJECT
    condition = rule.holders(where)
    accounts = User.objects.filter(is_active=True)
    if condition is None:
        return accounts.none()
    return accounts.filter(condition)


def readers_among(where: Space | Project, accounts: QuerySet[User]) -> QuerySet[User]:
    """The readers of `where` among `accounts` (a few: a thread's authors, the holders of some
    names), the same rule as `readers`, in one query. The rule's condition is an OR (ITD, or
    a member of the space); asked as a whole, PostgreSQL answers "a member" by hashing every
    member of the space, however few the accounts. Asked branch by branch, each among the
    accounts only (their UNION), every branch is a plain join that looks up just these
    accounts."""
    rule = DISCUSSES_IN_SPACE if isinstance(where, Space) else DISCUSSES_ON_PROJECT
    condition = rule.holders(where)
    if condition is None:
        return User.objects.none()
    among = accounts.filter(is_active=True).order_by()
    if condition.connector != Q.OR or condition.negated:
        return User.objects.filter(pk__in=among.filter(condition).values("pk"))
    branches = [
        among.filter(branch if isinstance(branch, Q) else Q(branch)).values("pk")
        for branch in condition.children
    ]
    return User.objects.filter(pk__in=branches[0].union(*branches[1:]))


def person_url(person_id: int | None) -> str:
    """The person page, where the portal has one (spaces:person)."""
    if person_id is None:
        return ""
    try:
        return reverse("spaces:person", args=[person_id])
    except NoReverseMatch:
        return ""


@dataclass(frozen=True)
class Mentionable:
    handle: str
    name: str
    function: str


@dataclass
class MentionScope:
    """Who can be mentioned in a thread: handle -> person, without the handles two share. Read
    when a post is written (its body's mentions are resolved against all readers)."""

    targets: dict[str, Target] = field(default_factory=dict)


def mention_scope(where: Space | Project) -> MentionScope:
    """One query: the readers with their names (and person pages)."""
    rows = list(
        readers(where)
        .order_by("last_name", "first_name", "pk")
        .values_list("pk", "first_name", "last_name", "person__pk")
    )
    handles = [handle_for(first, last) for _pk, first, last, _person in rows]
    counts = Counter(h for h in handles if h)
    scope = MentionScope()
    for handle, (pk, first, last, person_id) in zip(handles, rows, strict=True):
        if handle and counts[handle] == 1:
            scope.targets[handle] = Target(
                user_id=pk, name=f"{first} {last}", url=person_url(person_id)
            )
    return scope


MENTIONABLE_SHOWN = 20


@dataclass
class MentionHelp:
    """What the helper beside a post form shows: a few people with their handles (the thread's
    participants, or those a search found), never the list of every reader."""

    people: list[Mentionable]
    ambiguous: list[str]  # handles of the shown people that another reader shares
    total: int  # how many readers match the search (or take part in the thread)
    query: str
    search_url: str  # the search among all readers
    shown: int = 0  # how many readers were looked at (the people and those behind `ambiguous`)

    @property
    def more(self) -> bool:
        return self.total > self.shown


def mention_help(
    where: Space | Project, *, thread: Thread | None = None, query: str = ""
) -> MentionHelp:
    """The readers whose name holds every word of `query` (a search), or without one the
    thread's participants: the first MENTIONABLE_SHOWN, in name order, with their handles.
    Two queries (and a count when there are more), whatever the number of readers."""
    kind = "space" if isinstance(where, Space) else "project"
    search_url = reverse(f"discussions:{kind}_mention", args=[where.slug])
    rows = readers(where).select_related("person")
    if clean_query(query):
        found = narrowed(
            rows,
            query,
            ("first_name", "last_name"),
            limit=MENTIONABLE_SHOWN,
            order=("last_name", "first_name", "pk"),
        )
        shown, total, query = found.shown, found.total, found.query
    elif thread is not None:
        authors = User.objects.filter(pk__in=Post.objects.filter(thread=thread).values("author_id"))
        rows = readers_among(where, authors).select_related("person")
        shown = list(rows.order_by("last_name", "first_name", "pk")[:MENTIONABLE_SHOWN])
        total = len(shown) if len(shown) < MENTIONABLE_SHOWN else rows.count()
        query = ""
    else:
        return MentionHelp([], [], 0, "", search_url)
    shared = _shared_handles(where, shown)
    help = MentionHelp([], sorted(shared), total, query, search_url, len(shown))
    for user in shown:
        handle = handle_for(user.first_name, user.last_name)
        if handle and handle not in shared:
            function = getattr(getattr(user, "person", None), "function", "") or ""
            help.people.append(Mentionable(handle, f"{user.first_name} {user.last_name}", function))
    return help


_UMLAUT_SPELLINGS = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"))


def _spellings(part: str) -> set[str]:
    """The ways a name part is commonly written that give the same handle: umlauts typed or
    spelled out, ß or ss, a space or a hyphen (as written, not lower-cased: the name index
    answers exact names)."""
    typed = spelled = part.strip()
    for umlaut, out in _UMLAUT_SPELLINGS:
        typed, spelled = typed.replace(out, umlaut), spelled.replace(umlaut, out)
    forms = {part.strip(), typed, spelled, spelled.replace("ß", "ss"), typed.replace("ss", "ß")}
    return forms | {f.replace("-", " ") for f in forms} | {f.replace(" ", "-") for f in forms}


def _shared_handles(where: Space | Project, shown: list[User]) -> set[str]:
    """The handles of `shown` that more than one reader has (one query on the name index:
    the spellings of each shown person's name, compared through the handles)."""
    wanted = {handle_for(u.first_name, u.last_name) for u in shown} - {""}
    if not wanted:
        return set()
    condition = Q()
    for user in shown:
        condition |= Q(
            last_name__in=_spellings(user.last_name), first_name__in=_spellings(user.first_name)
        )
    counts = Counter(
        handle_for(first, last)
        for first, last in readers_among(where, User.objects.filter(condition))
        .order_by()
        .values_list("first_name", "last_name")
    )
    return {h for h in wanted if counts[h] > 1}


# --- Lists ----------------------------------------------------------------------------------


def listed(viewer: Viewer, threads: QuerySet[Thread]) -> QuerySet[Thread]:
    """The threads the viewer reads, hidden ones only for those who moderate them."""
    moderated = THREAD.restrict(Thread.objects.all(), viewer, "moderate").values("pk")
    return (
        THREAD.restrict(threads, viewer, "view")
        .filter(Q(hidden_at__isnull=True) | Q(pk__in=moderated))
        .select_related("author", "space", "project")
    )


def threads_of(viewer: Viewer, where: Space | Project) -> QuerySet[Thread]:
    scope: dict[str, Space | Project] = (
        {"space": where} if isinstance(where, Space) else {"project": where}
    )
    return listed(viewer, Thread.objects.filter(**scope)).order_by("-last_post_at", "-pk")


def thread_page(viewer: Viewer, where: Space | Project, number: Any) -> Page[Thread]:
    return Paginator(threads_of(viewer, where), THREADS_PER_PAGE).get_page(number)


# --- One thread ------------------------------------------------------------------------------


def thread_for(viewer: Viewer, pk: int) -> Thread | None:
    """The thread, if the viewer reads it; with what its rules read (no query per check)."""
    return (
        THREAD.restrict(Thread.objects.all(), viewer, "view")
        .select_related("space", "project", "author", "hidden_by", "locked_by")
        .prefetch_related("project__spaces", "project__participating_authorities")
        .filter(pk=pk)
        .first()
    )


def post_for(viewer: Viewer, pk: int) -> Post | None:
    return (
        POST.restrict(Post.objects.all(), viewer, "view")
        .select_related("author", "thread__space", "thread__project")
        .prefetch_related("thread__project__spaces", "thread__project__participating_authorities")
        .filter(pk=pk)
        .first()
    )


def posts_page(thread: Thread, number: Any) -> Page[Post]:
    """A page of the thread's posts: two queries (the count and the page), however many."""
    posts = thread.posts.select_related("author", "hidden_by").order_by("number")
    return Paginator(posts, POSTS_PER_PAGE).get_page(number)


def page_of(post: Post) -> int:
    return (post.number - 1) // POSTS_PER_PAGE + 1


def last_page(thread: Thread) -> int:
    return max(1, (thread.post_count - 1) // POSTS_PER_PAGE + 1)


def is_following(viewer: Viewer, thread: Thread) -> bool:
    if not is_signed_in(viewer):
        return False
    return Follow.objects.filter(thread=thread, user=viewer).exists()


def revisions(post: Post) -> list[Any]:
    return list(post.revisions.order_by("-replaced_at", "-pk"))


# --- The space page and the project page -----------------------------------------------------


def recent_threads(viewer: Viewer, where: Space | Project, limit: int) -> list[Thread]:
    """At most `limit` threads the viewer reads, newest activity first: one query."""
    return list(threads_of(viewer, where).filter(hidden_at__isnull=True)[:limit])


def recent_posts(viewer: Viewer, space: Space, limit: int) -> list[Post]:
    """The newest posts of the space's threads the viewer reads (none hidden). The threads
    first (the space's own, few), then their newest posts: the database is given the exact
    threads, so it never walks the portal's newest posts looking for one of them (a viewer
    who reads none costs no second query)."""
    threads = list(
        THREAD.restrict(Thread.objects.filter(space=space), viewer, "view")
        .filter(hidden_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if not threads:
        return []
    return list(
        Post.objects.filter(thread_id__in=threads, hidden_at=None)
        .select_related("thread", "author")
        .order_by("-created_at", "-pk")[:limit]
    )
