"""The discussions of a space or a project: lists, a thread with its replies, edits, history,
following and moderation. Thin: load through the rule's scope, call one service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.audiences import Actor, SignedInRequest
from core.flows import handle_form
from core.forms import posted
from projects.models import Project
from spaces.models import Space

from . import selectors, services
from .forms import PostEditForm, ReasonForm, ReplyForm, ThreadForm
from .models import Post, Thread
from .permissions import POST, THREAD, may_discuss

# --- Loading --------------------------------------------------------------------------------


def _space(request: HttpRequest, slug: str) -> Space:
    """The space (public); 403 for those who do not discuss in it."""
    space = get_object_or_404(Space.objects.visible_to(request.user), slug=slug)
    if not may_discuss(request.user, space):
        raise PermissionDenied
    return space


def _project(request: HttpRequest, slug: str) -> Project:
    """The project if the viewer sees it (else 404); 403 for those who do not take part."""
    project = get_object_or_404(
        Project.objects.visible_to(request.user).prefetch_related(
            "spaces", "participating_authorities"
        ),
        slug=slug,
    )
    if not may_discuss(request.user, project):
        raise PermissionDenied
    return project


def _where(request: HttpRequest, kind: str, slug: str) -> Space | Project:
    return _space(request, slug) if kind == "space" else _project(request, slug)


def _thread(request: HttpRequest, pk: int, action: str = "view") -> Thread:
    thread = selectors.thread_for(request.user, pk)
    if thread is None:
        raise Http404
    if not THREAD.can(request.user, action, thread):
        raise PermissionDenied
    return thread


def _post(request: HttpRequest, pk: int, action: str = "view") -> Post:
    post = selectors.post_for(request.user, pk)
    if post is None:
        raise Http404
    if not POST.can(request.user, action, post):
        raise PermissionDenied
    return post


def _said(text: str) -> Callable[[Thread | Post], str]:
    """The success message, and which @handles mentioned nobody (they stay plain text)."""

    def message(written: Thread | Post) -> str:
        if not written.unresolved_mentions:
            return text
        note = _(
            "Nicht erwähnt und nicht benachrichtigt (unbekannt, mehrdeutig oder ohne Zugang zu "
            "dieser Diskussion): %(handles)s"
        ) % {"handles": ", ".join(written.unresolved_mentions)}
        return f"{text} {note}"

    return message


def _at(post: Post) -> str:
    url = reverse("discussions:thread", kwargs={"pk": post.thread_id})
    return f"{url}?page={selectors.page_of(post)}#{post.anchor}"


# --- Lists and new threads ------------------------------------------------------------------


@login_required
@require_safe
def thread_list(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    where = _where(request, kind, slug)
    return render(
        request,
        "discussions/thread_list.html",
        {
            "where": where,
            "kind": kind,
            "page": selectors.thread_page(request.user, where, request.GET.get("page")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def thread_new(request: SignedInRequest, kind: str, slug: str) -> HttpResponse:
    where = _where(request, kind, slug)
    return handle_form(
        request,
        ThreadForm(posted(request)),
        save=lambda data: services.thread_start(actor=request.user, where=where, **data),
        success=lambda thread: thread.get_absolute_url(),
        message=_said(_("Die Diskussion ist eröffnet.")),
        template="discussions/thread_form.html",
        context={"where": where, "kind": kind, "mention": selectors.mention_help(where)},
    )


@login_required
@require_safe
def mention_search(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    """Whom one can mention in the discussions of a space or a project: a search among those
    who read them (the post forms link here; a list of every reader would grow with the city)."""
    where = _where(request, kind, slug)
    query = request.GET.get("q", "")
    return render(
        request,
        "discussions/mention_search.html",
        {"where": where, "kind": kind, "mention": selectors.mention_help(where, query=query)},
    )


# --- A thread -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def thread_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """The thread with a page of its posts, and the reply form (POST: the reply)."""
    thread = _thread(request, pk)
    page_number: Any = request.GET.get("page")
    if request.method == "POST":
        page_number = selectors.last_page(thread)
    return handle_form(
        request,
        ReplyForm(posted(request)),
        save=lambda data: services.post_reply(actor=request.user, thread=thread, **data),
        success=_at,
        message=_said(_("Ihre Antwort ist veröffentlicht.")),
        template="discussions/thread_detail.html",
        context={
            "thread": thread,
            "where": thread.where,
            "page": selectors.posts_page(thread, page_number),
            "may_reply": THREAD.can(request.user, "reply", thread),
            "may_moderate": THREAD.can(request.user, "moderate", thread),
            "following": selectors.is_following(request.user, thread),
            "mention": selectors.mention_help(thread.where, thread=thread),  # type: ignore[arg-type]
        },
    )


@login_required
@require_safe
def post_detail(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    """The address of one post (notices link it): the thread's page that shows it."""
    return redirect(_at(_post(request, pk)))


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    post = _post(request, pk, "own")  # someone else's post: 403
    if not POST.can(request.user, "edit", post) and post.is_hidden:
        # Hidden by a moderator: the author is told why (the page shows not the hidden text).
        return render(request, "403.html", {"reason": services.HIDDEN_POST}, status=403)
    initial = {"title": post.thread.title, "body": post.body}
    return handle_form(
        request,
        PostEditForm(posted(request), initial=initial, opening=post.is_opening),
        save=lambda data: services.post_edit(actor=request.user, post=post, **data),
        success=_at,
        message=_said(_("Ihr Beitrag ist geändert.")),
        template="discussions/post_form.html",
        context={"post": post, "thread": post.thread, "mention": _mention_help(post)},
    )


def _mention_help(post: Post) -> selectors.MentionHelp:
    return selectors.mention_help(post.thread.where, thread=post.thread)  # type: ignore[arg-type]


@login_required
@require_safe
def post_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The earlier versions of a post: for the moderators (coordinators, ITD)."""
    post = _post(request, pk, "moderate")
    return render(
        request,
        "discussions/post_history.html",
        {"post": post, "thread": post.thread, "revisions": selectors.revisions(post)},
    )


# --- Following ------------------------------------------------------------------------------


@login_required
@require_POST
def thread_follow(request: SignedInRequest, pk: int, follow: bool) -> HttpResponseRedirect:
    thread = _thread(request, pk, "follow")
    services.thread_follow(actor=request.user, thread=thread, follow=follow)
    if follow:
        messages.success(request, _("Sie folgen dieser Diskussion."))
    else:
        messages.success(request, _("Sie folgen dieser Diskussion nicht mehr."))
    return redirect(thread.get_absolute_url())


# --- Moderation -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def hide(request: SignedInRequest, pk: int, what: str) -> HttpResponse:
    """Hide a thread or a post, with a reason (visible to moderators and ITD)."""
    target: Thread | Post
    if what == "thread":
        target = thread = _thread(request, pk, "moderate")
    else:
        target = _post(request, pk, "moderate")
        thread = target.thread
    return handle_form(
        request,
        ReasonForm(posted(request)),
        save=lambda data: _hide(request.user, target, data["reason"]),
        success=lambda _result: thread.get_absolute_url(),
        message=_("Ausgeblendet. Die Moderation und das ITD sehen den Inhalt und den Grund."),
        template="discussions/hide_form.html",
        context={"target": target, "thread": thread, "what": what},
    )


def _hide(actor: Actor, target: Thread | Post, reason: str) -> Thread | Post:
    if isinstance(target, Thread):
        return services.thread_hide(actor=actor, thread=target, reason=reason)
    return services.post_hide(actor=actor, post=target, reason=reason)


@login_required
@require_POST
def moderate(request: SignedInRequest, pk: int, action: str) -> HttpResponseRedirect:
    """Show a hidden thread or post again; lock or open a thread."""
    actor = request.user
    if action == "post_unhide":
        post = _post(request, pk, "moderate")
        services.post_unhide(actor=actor, post=post)
        messages.success(request, _("Der Beitrag ist wieder sichtbar."))
        return redirect(_at(post))
    thread = _thread(request, pk, "moderate")
    if action == "unhide":
        services.thread_unhide(actor=actor, thread=thread)
        messages.success(request, _("Die Diskussion ist wieder sichtbar."))
    else:
        services.thread_lock(actor=actor, thread=thread, lock=action == "lock")
        if action == "lock":
            messages.success(request, _("Die Diskussion ist geschlossen."))
        else:
            messages.success(request, _("Die Diskussion ist wieder offen für Antworten."))
    return redirect(thread.get_absolute_url())
