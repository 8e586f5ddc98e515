from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from contacts.models import Authority, Organisation, Person
from core.dates import guest_until_errors, today
from core.forms import DateInput, form_field

from .models import Membership, Space
from .selectors import addable_people, person_choices


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


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        """The name with whom the person works for: two people of one name stay apart."""
        person: Person = obj
        where = person.authority.code if person.authority else ""
        where = where or (person.organisation.name if person.organisation else "")
        return f"{person} ({where})" if where else str(person)


class MembershipAddForm(forms.Form):
    # The search that narrowed the person list, kept so a form sent back keeps the same list.
    person_query = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    person = PersonField(
        label=_("Person"),
        queryset=Person.objects.none(),
        help_text=_("Nicht dabei? Suchen Sie oben nach Name oder E-Mail-Adresse."),
        widget=forms.Select(attrs={"data-picker": ""}),
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

    def __init__(self, *args: Any, roles: list[str], person_query: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = form_field(self, "person", PersonField)
        # Any active person is valid; the list shows those the search found (person_choices).
        person.queryset = addable_people()
        if self.is_bound:
            person_query = str(self.data.get("person_query", ""))
        self.people = person_choices(
            person_query, keep=str(self.data.get("person", "")) if self.is_bound else ""
        )
        self.initial["person_query"] = self.people.query
        person.widget.choices = [
            ("", "---------"),
            *((p.pk, person.label_from_instance(p)) for p in self.people.shown),
        ]
        form_field(self, "role", forms.ChoiceField).choices = [
            c for c in Membership.Role.choices if c[0] in roles
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data.pop("person_query", None)  # how the list was found, not part of the membership
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
