"""allauth's account mails (password reset, address confirmation, security notices) go through
the outbox like every other mail of the portal: written in the request's transaction, sent
after commit, retried, never lost when the broker or the mail server is down."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site

from contacts.adapters import AccountAdapter
from contacts.models import User

from .kinds import Kind
from .services import notify

# Notices about the account's security (cannot be switched off): allauth's template prefixes.
SECURITY_MAILS = (
    "password_changed",
    "password_set",
    "password_reset",
    "email_changed",
    "email_deleted",
    "mfa/",
    "account_connected",
    "account_disconnected",
)


def _mail_kind(template_prefix: str) -> str:
    if any(part in template_prefix for part in SECURITY_MAILS):
        return Kind.SECURITY
    return Kind.ACCOUNT


class _PortalSite:
    """What allauth's mail templates read of the site when no request is at hand."""

    name = "Digitale Räume Hamburg"

    @property
    def domain(self) -> str:
        return urlsplit(settings.PORTAL_BASE_URL).netloc


class OutboxAccountAdapter(AccountAdapter):
    """The portal's account adapter (contacts.adapters) whose mails go through the outbox."""

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        request = allauth_context.request
        site = get_current_site(request) if request is not None else _PortalSite()
        ctx = {"request": request, "email": email, "current_site": site}
        ctx.update(context)
        recipient = User.objects.filter(email__iexact=email, is_active=True).first()

        def mail() -> tuple[str, str, str]:
            message = self.render_mail(template_prefix, email, ctx)
            alternatives = getattr(message, "alternatives", [])
            html = next((c for c, t in alternatives if t == "text/html"), "")
            return str(message.subject), str(message.body), str(html)

        notify(
            kind=_mail_kind(template_prefix),
            recipient=recipient,
            email=email,
            mail=mail,
            compose=lambda: ("", []),
            # Reset keys and confirmation links open the account: stored encrypted.
            secret=True,
            url="",
        )
