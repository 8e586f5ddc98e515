"""The sign-in through the city's identity provider (django-allauth's `openid_connect`).

What is trusted from the provider and why (README, "Security"):
- an account is linked or created only for an address the provider asserts as verified
  (`email_verified` true) in one of OIDC_ALLOWED_DOMAINS: an unverified or foreign address
  could name someone else's account (account takeover);
- the groups decide the roles the claims table names (services.claims_apply), at every
  sign-in, and only those;
- `amr`/`acr` tell whether the provider checked a second factor (claims.second_factor_asserted);
  the ID token carrying them is verified by allauth (issuer, audience, signature, expiry).
"""

from __future__ import annotations

from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from contacts.models import Person, User
from core.models import SecurityEvent
from core.services import security_log

from .claims import (
    PROVIDER_MFA,
    SIGN_IN_PATH,
    email_allowed,
    email_verified,
    groups_of,
    id_token_of,
    merged,
    second_factor_asserted,
)
from .logout import remember_sign_in
from .services import claims_apply


def _address(sociallogin: SocialLogin) -> str:
    return str(merged(sociallogin.account.extra_data).get("email") or "").strip().lower()


def _may_join(sociallogin: SocialLogin) -> bool:
    claims = merged(sociallogin.account.extra_data)
    address = _address(sociallogin)
    return bool(address) and email_verified(claims) and email_allowed(address)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Password sign-up stays closed (contacts.adapters); the provider's staff may join."""

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return _may_join(sociallogin)

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # No form to fill in: the provider has said who the person is.
        return True

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        extra = sociallogin.account.extra_data
        setattr(request, SIGN_IN_PATH, f"oidc:{sociallogin.account.provider}")
        if not sociallogin.is_existing:
            address = _address(sociallogin)
            if not _may_join(sociallogin):
                self._refuse(request, sociallogin, address)
            account = User.objects.filter(email__iexact=address).first()
            if account is not None:
                # A verified address in the city's domain: the same person's portal account.
                sociallogin.connect(request, account)
                security_log(kind=SecurityEvent.Kind.SSO, user=account, action="linked")
        if sociallogin.is_existing:
            user = sociallogin.user
            if user is not None and user.is_active:
                claims_apply(user=user, groups=groups_of(merged(extra)))
        setattr(request, PROVIDER_MFA, second_factor_asserted(id_token_of(extra)))
        # For the logout everywhere: the raw ID token (the hint) and the provider's session.
        remember_sign_in(request, sociallogin.account.provider, dict(id_token_of(extra)))

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> User:
        """A new account for a member of the city's staff: with a profile, and its roles."""
        user: User = super().save_user(request, sociallogin, form)
        Person.objects.get_or_create(user=user)
        security_log(kind=SecurityEvent.Kind.SSO, user=user, action="account_created")
        claims_apply(user=user, groups=groups_of(merged(sociallogin.account.extra_data)))
        return user

    def _refuse(self, request: HttpRequest, sociallogin: SocialLogin, address: str) -> None:
        claims = merged(sociallogin.account.extra_data)
        reason = (
            "no_address"
            if not address
            else "unverified"
            if not email_verified(claims)
            else "foreign_domain"
        )
        security_log(
            kind=SecurityEvent.Kind.LOGIN_REFUSED,
            request=request,
            label=address,
            path=getattr(request, SIGN_IN_PATH, "oidc"),
            reason=reason,
        )
        text = {
            "no_address": _(
                "Ihr Dienstkonto hat dem Portal keine E-Mail-Adresse übermittelt. Bitte wenden "
                "Sie sich an das Amt für IT und Digitalisierung."
            ),
            "unverified": _(
                "Ihr Dienstkonto hat eine E-Mail-Adresse übermittelt, die dort nicht bestätigt "
                "ist. Aus Sicherheitsgründen meldet das Portal Sie damit nicht an. Bitte "
                "bestätigen Sie die Adresse beim Dienstkonto oder wenden Sie sich an das Amt für "
                "IT und Digitalisierung."
            ),
            "foreign_domain": _(
                "Mit dem Dienstkonto melden sich nur Mitarbeitende der Hamburger Verwaltung an "
                "(E-Mail-Adresse einer Hamburger Behörde). Eingeladene Partnerinnen und Partner "
                "melden sich mit E-Mail-Adresse und Passwort an."
            ),
        }[reason]
        messages.error(request, text)
        raise ImmediateHttpResponse(HttpResponseRedirect(reverse("account_login")))

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Exception | None = None,
        extra_context: dict[str, Any] | None = None,
    ) -> None:
        """A provider that is down, a wrong issuer, an expired or replayed state: logged; the
        page (socialaccount/authentication_error.html) says what to do."""
        security_log(
            kind=SecurityEvent.Kind.LOGIN_REFUSED,
            request=request,
            path=f"oidc:{getattr(provider, 'id', '')}",
            reason=str(error or "error"),
            exception=type(exception).__name__ if exception is not None else "",
        )
