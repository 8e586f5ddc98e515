"""My API tokens, a new token (after confirming the second factor again, shown once), revoking,
and ITD's list of every token."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.audiences import SignedInRequest
from core.flows import handle_form

from . import selectors, services
from .forms import ConfirmForm, TokenForm
from .models import ApiToken
from .permissions import API_TOKEN, GLOBAL

NO_STORE = "private, no-store"
ALL_PER_PAGE = 50


def _confirmed_recently(request: HttpRequest) -> bool:
    """Did the person confirm their identity again within ACCOUNT_REAUTHENTICATION_TIMEOUT, with
    their second factor if they have one (allauth records it in the session as "mfa"), else
    with their password? The sign-in itself does not count."""
    wanted = "mfa" if is_mfa_enabled(request.user) else "password"
    fresh_after = time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
    return any(
        record.get("reauthenticated")
        and record.get("method") == wanted
        and record.get("at", 0) > fresh_after
        for record in get_authentication_records(request, request.user)
    )


def second_factor_confirmed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Before a token is made: allauth's re-authentication (the second factor's code, or the
    password for an account without one), then back to this page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _confirmed_recently(request):
            return view(request, *args, **kwargs)
        target = "mfa_reauthenticate" if is_mfa_enabled(request.user) else "account_reauthenticate"
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse(target)}?{query}")

    return wrapper


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = NO_STORE
    return response


@login_required
@require_safe
def token_list(request: SignedInRequest) -> HttpResponse:
    context = {
        "tokens": selectors.my_tokens(request.user),
        "may_create": GLOBAL.can(request.user, "create"),
        "may_view_all": GLOBAL.can(request.user, "view_all"),
    }
    return _no_store(render(request, "tokens/token_list.html", context))


def _created(request: HttpRequest, result: tuple[ApiToken, str]) -> HttpResponse:
    """The one time the token is shown: in the answer to the POST that made it, never stored
    (not in the session, not in a log) and not cached, so reloading cannot show it again."""
    token, plain = result
    response = render(request, "tokens/token_created.html", {"token": token, "plain": plain})
    response["Pragma"] = "no-cache"
    return _no_store(response)


@login_required
@require_http_methods(["GET", "POST"])
@second_factor_confirmed
def token_create(request: SignedInRequest) -> HttpResponse:
    if not GLOBAL.can(request.user, "create"):
        raise PermissionDenied
    form = TokenForm(request.POST if request.method == "POST" else None, user=request.user)
    response = handle_form(
        request,
        form,
        save=lambda _data: services.token_create(
            actor=request.user, request=request, **form.values()
        ),
        success=lambda result: _created(request, result),
        message=_("Das API-Token ist erstellt. Kopieren Sie es jetzt: es wird nur einmal gezeigt."),
        template="tokens/token_form.html",
    )
    return _no_store(response)


def _token(request: SignedInRequest, pk: int, action: str) -> ApiToken:
    """Invisible (another person's token): 404; visible, but not allowed: 403."""
    token = get_object_or_404(
        ApiToken.objects.visible_to(request.user).select_related("owner"), pk=pk
    )
    if not API_TOKEN.can(request.user, action, token):
        raise PermissionDenied
    return token


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request: SignedInRequest, pk: int) -> HttpResponse:
    token = _token(request, pk, "revoke")
    own = token.owner_id == request.user.pk
    back = reverse("tokens:list") if own else reverse("tokens:all")
    return handle_form(
        request,
        ConfirmForm(request.POST if request.method == "POST" else None),
        save=lambda _data: services.token_revoke(actor=request.user, token=token, request=request),
        success=lambda _token: back,
        message=_("Das API-Token ist widerrufen und gilt ab sofort nicht mehr."),
        template="tokens/token_revoke.html",
        context={"token": token, "own": own, "back": back},
    )


@login_required
@require_safe
def token_all(request: SignedInRequest) -> HttpResponse:
    if not GLOBAL.can(request.user, "view_all"):
        raise PermissionDenied
    page = Paginator(selectors.all_tokens(request.user), ALL_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"tokens": page.object_list, "page": page}
    return _no_store(render(request, "tokens/token_all.html", context))
