"""The report request and the schedule form.

The scope is posted as one value ("programme", "space:<slug>", "authority:<code>"). The
form offers only the scopes the person may use, but it accepts every scope that exists: asking
for one the person may not use is refused by the service with 403, not explained away as a typo.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from contacts.models import Authority, User
from core.audiences import Viewer
from projects.models import FiscalYear
from spaces.models import Space

from . import selectors
from .models import SUBJECT_KINDS, Format, Kind, ReportSchedule, Scope

# The archive's own kinds: a report about one object (a reporting round) is requested on that
# object's page, and never on a schedule.
ARCHIVE_KINDS = [(value, label) for value, label in Kind.choices if value not in SUBJECT_KINDS]


def parse_scope(value: str) -> dict[str, Any]:
    """ "space:mobilitaet-energie" -> {"scope": "space", "space": <Space>}; ValidationError for
    a scope that does not exist."""
    kind, _sep, key = value.partition(":")
    if kind == Scope.PROGRAMME and not key:
        return {"scope": kind, "space": None, "authority": None}
    if kind == Scope.SPACE:
        space = Space.objects.filter(slug=key).first()
        if space is not None:
            return {"scope": kind, "space": space, "authority": None}
    if kind == Scope.AUTHORITY:
        authority = Authority.objects.filter(code=key).first()
        if authority is not None:
            return {"scope": kind, "space": None, "authority": authority}
    raise forms.ValidationError(_("Diesen Umfang gibt es nicht."), code="invalid_scope")


class ScopeField(forms.CharField):
    """A select of the scopes offered; any existing scope is a valid value."""

    def __init__(self, *, options: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(max_length=80, **kwargs)
        self.widget = forms.Select(choices=options)

    def clean(self, value: Any) -> dict[str, Any]:
        text = super().clean(value)
        return parse_scope(text)


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Bericht"),
        choices=ARCHIVE_KINDS,
        error_messages={"invalid_choice": _("Diesen Bericht gibt es nicht.")},
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=Format.choices,
        help_text=_(
            "Budgetbericht: XLSX, CSV oder PDF; Budgetzeilen: XLSX oder CSV; "
            "Portfolio-Statusbericht: PDF."
        ),
        error_messages={"invalid_choice": _("Dieses Format gibt es nicht.")},
    )
    fiscal_year = forms.ModelChoiceField(
        label=_("Haushaltsjahr"),
        queryset=FiscalYear.objects.order_by("-year"),
        to_field_name="year",
        required=False,
        empty_label=_("alle Jahre (nur Budgetzeilen)"),
        help_text=_(
            "Für den Budgetbericht nötig; der Portfolio-Statusbericht zeigt den Stand heute."
        ),
        error_messages={"invalid_choice": _("Dieses Haushaltsjahr gibt es nicht.")},
    )

    def __init__(self, data: Any = None, *, user: Viewer, initial: Any = None) -> None:
        super().__init__(data, initial=initial)
        self.fields["scope"] = ScopeField(
            label=_("Umfang"),
            options=selectors.scope_options(user),
            error_messages={"required": _("Bitte wählen Sie den Umfang.")},
        )
        self.order_fields(["kind", "format", "scope", "fiscal_year"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        scope = data.pop("scope", None)
        if isinstance(scope, dict):
            data.update(scope)
        return data


class ScheduleForm(forms.ModelForm):  # type: ignore[type-arg]
    scope_choice = forms.CharField(label=_("Umfang"), max_length=80)

    class Meta:
        model = ReportSchedule
        fields = ["title", "kind", "format", "cadence", "recipients", "active"]
        # Checkboxes need no Ctrl/Cmd; static/js/forms.js adds a filter above a long list.
        widgets = {"recipients": forms.CheckboxSelectMultiple(attrs={"data-picker": ""})}
        help_texts = {
            "recipients": _(
                "Sie werden benachrichtigt, wenn der Bericht fertig ist. Nur wer "
                "den Inhalt sehen darf, kann gewählt werden."
            ),
        }

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = ARCHIVE_KINDS
        self.fields["scope_choice"] = ScopeField(
            label=_("Umfang"), options=selectors.scope_options(user, fixed_only=True)
        )
        if self.instance.pk:
            self.initial["scope_choice"] = selectors.scope_value(self.instance)
        recipients = self.fields["recipients"] = PeopleField(
            label=self.fields["recipients"].label,
            help_text=self.fields["recipients"].help_text,
            queryset=selectors.recipient_candidates(),
            required=False,
            widget=forms.CheckboxSelectMultiple(attrs={"data-picker": ""}),
        )
        recipients.error_messages["invalid_choice"] = _(
            "Diese Person kann den Bericht nicht erhalten."
        )
        self.order_fields(["title", "kind", "format", "scope_choice", "cadence", "recipients"])

    def values(self) -> dict[str, Any]:
        """What the service takes: the model fields and the parsed scope."""
        data = dict(self.cleaned_data)
        data.update(data.pop("scope_choice"))
        data.pop("recipients", None)
        return data


class PeopleField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        return f"{user.get_full_name() or user.email} ({user.email})"


class ConfirmForm(forms.Form):
    """A button to confirm (no fields)."""
