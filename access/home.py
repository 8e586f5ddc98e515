"""What access shows on a space's pages: the links to invite a person and to the invitations."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from spaces.home import ManageLink
from spaces.models import Space


def _invite(space: Space) -> str:
    return reverse("access:invitation_space_create", kwargs={"slug": space.slug})


def _invitations(space: Space) -> str:
    return reverse("access:invitation_space_list", kwargs={"slug": space.slug})


def space_links() -> list[ManageLink]:
    return [
        ManageLink("invite", _("Person einladen"), _invite, primary=True),
        ManageLink("invitations", _("Einladungen"), _invitations),
    ]
