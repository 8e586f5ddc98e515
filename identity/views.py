"""The way in through the city's identity provider, and ITD's table of claims and roles."""

from __future__ import annotations

import logging

import requests
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect import views as oidc
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.audiences import SignedInRequest
from core.flows import handle_form
from core.models import SecurityEvent
from core.services import security_log

from . import selectors, services
from .forms import ClaimRuleForm, ConfirmForm, rule_values
from .logout import CapturingAdapter, LogoutTokenInvalid, verify_logout_token
from .models import ClaimRule
from .permissions import CLAIM_RULE, GLOBAL

logger = logging.getLogger(__name__)

GRANTS_PER_PAGE = 50


@require_POST
def provider_login(request: HttpRequest, provider_id: str) -> HttpResponse:
    """allauth's start of the sign-in (a POST from the sign-in page), with the answer for a
    provider that cannot be reached: the page says so, and the password form still works."""
    try:
        return oidc.login(request, provider_id)
    except SocialApp.DoesNotExist as missing:
        raise Http404 from missing
    except requests.RequestException as error:
        logger.warning("identity provider unreachable: %s", error)
        security_log(
            kind=SecurityEvent.Kind.LOGIN_REFUSED,
            request=request,
            path=f"oidc:{provider_id}",
            reason="provider_unreachable",
        )
        context = {"unreachable": True}
        return render(request, "socialaccount/authentication_error.html", context, status=503)


@login_not_required
def provider_callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    """allauth's callback, through an adapter that keeps the raw ID token (identity.logout)."""
    try:
        view = OAuth2CallbackView.adapter_view(CapturingAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist as missing:
        raise Http404 from missing


@csrf_exempt
@login_not_required
@require_POST
def backchannel_logout(request: HttpRequest, provider_id: str) -> HttpResponse:
    """The provider's back-channel logout: a signed logout token ends the portal sessions of
    that provider session at once. Anything else is refused with 400 and changes nothing."""
    token = request.POST.get("logout_token", "")
    try:
        claims = verify_logout_token(request, provider_id, token)
        ended = services.provider_sessions_end(provider=provider_id, claims=claims)
    except (LogoutTokenInvalid, services.LogoutTokenReplayed) as refused:
        reason = refused.reason if isinstance(refused, LogoutTokenInvalid) else "replayed"
        security_log(
            kind=SecurityEvent.Kind.LOGIN_REFUSED,
            request=request,
            path=f"oidc:{provider_id}:backchannel_logout",
            reason=reason,
        )
        answer = JsonResponse(
            {"error": "invalid_request", "error_description": f"logout token refused: {reason}"},
            status=400,
        )
    else:
        answer = JsonResponse({"sessions_ended": ended})
    answer["Cache-Control"] = "no-store"
    return answer


@login_required
@require_safe
def my_roles(request: SignedInRequest) -> HttpResponse:
    """The person's roles from their provider's groups (and, for ITD, the way to the table)."""
    context = {
        "grants": selectors.my_grants(request.user),
        "linked": selectors.provider_accounts(request.user),
        "may_manage": GLOBAL.can(request.user, "manage_claims"),
    }
    return render(request, "identity/my_roles.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def claim_rules(request: SignedInRequest) -> HttpResponse:
    """The table, and a form to add a rule below it."""
    if not GLOBAL.can(request.user, "manage_claims"):
        raise PermissionDenied
    form = ClaimRuleForm(request.POST if request.method == "POST" else None)
    return handle_form(
        request,
        form,
        save=lambda data: services.claim_rule_create(actor=request.user, **rule_values(data)),
        success=lambda _rule: reverse("identity:claims"),
        message=_(
            "Die Regel gilt ab der nächsten Anmeldung jeder Person mit dieser Gruppe über das "
            "Dienstkonto."
        ),
        template="identity/claim_rules.html",
        context={"rules": selectors.claim_rules()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def claim_rule_delete(request: SignedInRequest, pk: int) -> HttpResponse:
    if not GLOBAL.can(request.user, "manage_claims"):
        raise PermissionDenied
    rule = get_object_or_404(ClaimRule.objects.select_related("space", "authority"), pk=pk)
    if not CLAIM_RULE.can(request.user, "delete", rule):
        raise PermissionDenied
    return handle_form(
        request,
        ConfirmForm(request.POST if request.method == "POST" else None),
        save=lambda _data: services.claim_rule_delete(actor=request.user, rule=rule),
        success=lambda _none: reverse("identity:claims"),
        message=_(
            "Die Regel ist entfernt. Die Rollen, die sie gegeben hat, enden bei der nächsten "
            "Anmeldung der Personen."
        ),
        template="identity/claim_rule_delete.html",
        context={"rule": rule},
    )


@login_required
@require_safe
def claim_grants(request: SignedInRequest) -> HttpResponse:
    """Every role the claims give now, with the claim that gives it."""
    if not GLOBAL.can(request.user, "manage_claims"):
        raise PermissionDenied
    page = Paginator(selectors.open_grants(), GRANTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "identity/claim_grants.html", {"grants": page.object_list, "page": page})
