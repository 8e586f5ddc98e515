"""What the contacts app holds about a person: the account, its sign-in methods and sessions,
the profile, the officer roles (core.privacy runs this for export and deletion)."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession

from core.personal_data import Holding, Subject, register

from .models import DigitalOfficer, Person, User
from .services import account_anonymise, profile_anonymise


def _account(subject: Subject) -> dict[str, Any]:
    user = subject.user
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "is_itd_staff": user.is_itd_staff,
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "mfa": [
            {"type": a.type, "created_at": a.created_at, "last_used_at": a.last_used_at}
            for a in Authenticator.objects.filter(user=user).order_by("created_at")
        ],
        "sessions": [
            {
                "created_at": s.created_at,
                "last_seen_at": s.last_seen_at,
                "ip": s.ip,
                "user_agent": s.user_agent,
            }
            for s in UserSession.objects.filter(user=user).order_by("-last_seen_at")
        ],
    }


def _profile(subject: Subject) -> dict[str, Any] | None:
    person = subject.person
    if person is None:
        return None
    return {
        "function": person.function,
        "phone": person.phone,
        "authority": str(person.authority) if person.authority else None,
        "organisation": str(person.organisation) if person.organisation else None,
        "email_visible_to_guests": person.email_visible_to_guests,
        "phone_visible_to_guests": person.phone_visible_to_guests,
        "named_publicly": person.named_publicly,
        "terms_accepted_at": person.terms_accepted_at,
        "privacy_accepted_at": person.privacy_accepted_at,
    }


def _officer_roles(subject: Subject) -> list[dict[str, Any]]:
    if subject.person is None:
        return []
    return [
        {
            "authority": str(o.authority),
            "role": o.get_role_display(),
            "since": o.since,
            "until": o.until,
        }
        for o in DigitalOfficer.objects.filter(person=subject.person)
        .select_related("authority")
        .order_by("-since", "pk")
    ]


def _collect(subject: Subject) -> None:
    subject.add_about(User, [subject.user.pk])
    if subject.person is not None:
        subject.add_about(Person, [subject.person.pk])
        subject.add_about(
            DigitalOfficer,
            DigitalOfficer.objects.filter(person=subject.person).values_list("pk", flat=True),
        )


register(
    Holding(
        key="account",
        # With the account's groups and permissions (cleared on deletion).
        models=(
            User,
            User.groups.through,
            User.user_permissions.through,
            EmailAddress,
            Authenticator,
            UserSession,
        ),
        export=_account,
        anonymise=account_anonymise,
        order=70,
        collect=_collect,
    ),
    Holding(
        key="profile",
        models=(Person,),
        export=_profile,
        anonymise=profile_anonymise,
        order=60,
    ),
    Holding(key="officer_roles", models=(DigitalOfficer,), export=_officer_roles, order=60),
)
