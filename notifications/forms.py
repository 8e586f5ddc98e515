from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.audiences import Viewer
from projects.models import Project
from spaces.models import Space

from .kinds import KINDS, Channel, Kind, configurable_kinds
from .selectors import noticed_projects


class NotificationFilterForm(forms.Form):
    """The centre's filters (GET, so a filtered list can be bookmarked)."""

    kind = forms.ChoiceField(
        label=_("Anlass"), required=False, choices=[("", _("alle Anlässe")), *Kind.choices]
    )
    space = forms.ModelChoiceField(
        label=_("Raum"),
        queryset=Space.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("alle Räume"),
        error_messages={"invalid_choice": _("Diesen Raum gibt es nicht.")},
    )
    project = forms.ModelChoiceField(
        label=_("Projekt"),
        queryset=Project.objects.none(),
        required=False,
        to_field_name="slug",
        empty_label=_("alle Projekte"),
        help_text=_("Zur Wahl stehen die Projekte Ihrer Benachrichtigungen."),
        error_messages={"invalid_choice": _("Dieses Projekt gibt es nicht.")},
    )

    def __init__(self, data: Any, *, user: Viewer) -> None:
        super().__init__(data)
        project = self.fields["project"]
        assert isinstance(project, forms.ModelChoiceField)
        # Any project the viewer sees is a valid filter (a bookmarked address keeps working), but
        # the list offers only those the viewer's notices are about: never every project of the
        # city in one <select>.
        project.queryset = Project.objects.visible_to(user)
        offered = list(noticed_projects(user))
        chosen = self.data.get("project", "") if self.is_bound else ""
        if chosen and all(p.slug != chosen for p in offered):
            offered += project.queryset.filter(slug=chosen).only("slug", "title")[:1]
        project.widget.choices = [("", project.empty_label)] + [(p.slug, p.title) for p in offered]

    def filters(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class PreferencesForm(forms.Form):
    """One choice per kind of notice; security notices are not offered (always at once)."""

    def __init__(self, data: Any = None, *, initial: dict[str, str]) -> None:
        super().__init__(data, initial=initial)
        for kind in configurable_kinds():
            if KINDS[kind].fixed:
                continue
            self.fields[kind] = forms.ChoiceField(
                label=Kind(kind).label,
                choices=Channel.choices,
                error_messages={
                    "invalid_choice": _("Diese Zustellung gibt es nicht."),
                    "required": _("Bitte wählen Sie eine Zustellung."),
                },
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        known = set(self.fields) | {"csrfmiddlewaretoken"}
        unknown = sorted(set(self.data) - known) if self.is_bound else []
        if unknown:
            raise forms.ValidationError(
                _("Unbekannte Art von Benachrichtigung: %(kinds)s")
                % {"kinds": ", ".join(unknown[:5])}
            )
        return data


class ConfirmForm(forms.Form):
    """A button to confirm (no fields)."""
