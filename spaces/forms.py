from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from contacts.models import Authority, Organisation, Person
from core.dates import guest_until_errors, today
from core.forms import DateInput, form_field

from .models import Membership, Space


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Name oder Funktion"), required=False, max_length=100)
    authority = forms.ModelChoiceField(
        label=_("Behörde"),
        queryset=Authority.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("alle Behörden"),
        error_messages={"invalid_choice": _("Diese Behörde gibt es nicht.")},
    )
    space = forms.ModelChoiceField(
        label=_("Digitaler Raum"),
        queryset=Space.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("alle Räume"),
        error_messages={"invalid_choice": _("Diesen Raum gibt es nicht.")},
    )


class SpaceMembersFilterForm(forms.Form):
    """The space page's member search: by name or function, and (for staff) whom they
    represent; the groups are those the page lists."""

    q = forms.CharField(label=_("Name oder Funktion"), required=False, max_length=100)
    group = forms.ChoiceField(label=_("vertritt"), required=False)

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        group = self.fields["group"]
        assert isinstance(group, forms.ChoiceField)
        if groups:
            group.choices = [
                ("", _("alle")),
                *((g.key, f"{g.label} ({g.count})") for g in groups),
            ]
        else:
            del self.fields["group"]


class MembershipAddForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=Person.objects.none(),
        error_messages={"invalid_choice": _("Bitte wählen Sie eine Person aus der Liste.")},
    )
    role = forms.ChoiceField(label=_("Rolle"), choices=())
    authority = forms.ModelChoiceField(
        label=_("vertritt Behörde"),
        queryset=Authority.objects.current(),
        required=False,
        help_text=_("Leer lassen: die Behörde aus dem Profil der Person."),
    )
    organisation = forms.ModelChoiceField(
        label=_("vertritt Organisation"), queryset=Organisation.objects.all(), required=False
    )
    since = forms.DateField(label=_("seit"), initial=today, widget=DateInput())
    until = forms.DateField(
        label=_("bis"),
        required=False,
        widget=DateInput(),
        help_text=_("Für Gäste Pflicht."),
    )

    def __init__(self, *args: Any, roles: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "person", forms.ModelChoiceField).queryset = Person.objects.filter(
            user__is_active=True
        ).select_related("user", "authority", "organisation")
        form_field(self, "role", forms.ChoiceField).choices = [
            c for c in Membership.Role.choices if c[0] in roles
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        since: dt.date | None = data.get("since")
        until: dt.date | None = data.get("until")
        if since and until and until < since:
            self.add_error("until", _("Das Ende darf nicht vor dem Beginn liegen."))
        if data.get("role") == Membership.Role.GUEST and "until" not in self.errors:
            for error in guest_until_errors(until):
                self.add_error("until", error)
        if data.get("authority") and data.get("organisation"):
            self.add_error(
                "organisation",
                _("Eine Mitgliedschaft vertritt entweder eine Behörde oder eine Organisation."),
            )
        return data


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Neue Rolle"), choices=())
    until = forms.DateField(
        label=_("bis"), required=False, widget=DateInput(), help_text=_("Für Gäste Pflicht.")
    )

    def __init__(self, *args: Any, roles: list[str], membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership
        form_field(self, "role", forms.ChoiceField).choices = [
            c for c in Membership.Role.choices if c[0] in roles
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        until = data.get("until")
        if data.get("role") == Membership.Role.GUEST and "until" not in self.errors:
            unchanged = (
                self.membership.role == Membership.Role.GUEST and until == self.membership.until
            )
            for error in [] if unchanged else guest_until_errors(until):
                self.add_error("until", error)
        if until and until < self.membership.since:
            self.add_error("until", _("Das Ende darf nicht vor dem Beginn liegen."))
        return data


class MembershipEndForm(forms.Form):
    """Ending a membership is confirmed with a button (no fields)."""
