"""The forms of the strategy: goals, measures and indicators as ITD and the coordinators write
them; a value as an officer enters it; a reporting round, a report, a review."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from contacts.models import Authority, DigitalOfficer, Person
from core.audiences import Viewer
from core.dates import validate_plausible_date
from core.forms import AmountInput, PlausibleDateInput, ShortNamePicker
from core.money import input_number, parse_amount
from projects.models import Project
from reports.forms import ScopeField
from reports.models import Format
from spaces.models import Space

from . import exchange
from .models import Direction, Goal, Light, Measure, Rating
from .services import PathInput


class FigureInput(AmountInput):
    """A figure shown with the decimals it has (45,5, not 45,5000), read back by FigureField."""

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, Decimal):
            exponent = value.normalize().as_tuple().exponent
            places = min(4, max(0, -exponent)) if isinstance(exponent, int) else 0
            return input_number(value, places)
        return super().format_value(value)


class FigureField(forms.Field):
    """An indicator's figure in the active language's notation (45,5 or 45.5 in English), at
    most four decimals; negative figures are allowed (a balance, a change)."""

    widget = FigureInput
    default_error_messages = {
        "invalid": _("Bitte eine Zahl eingeben, z. B. 45,5 (Komma vor den Nachkommastellen)."),
        "decimals": _("Höchstens vier Nachkommastellen."),
        "too_large": _("Die Zahl ist zu groß."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", FigureInput(places=4))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            number = value
        else:
            try:
                number = parse_amount(str(value))
            except ValueError as exc:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -4:
            raise ValidationError(self.error_messages["decimals"], code="decimals")
        if abs(number) >= Decimal(10) ** 14:
            raise ValidationError(self.error_messages["too_large"], code="too_large")
        return number


def _date(label: Any, **kwargs: Any) -> forms.DateField:
    # The years the date picker offers (core.dates), checked on the server too.
    return forms.DateField(
        label=label,
        widget=PlausibleDateInput(),
        validators=[validate_plausible_date],
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={"invalid": _("Bitte ein Datum angeben, z. B. 31.12.2026.")},
        **kwargs,
    )


class GoalForm(forms.Form):
    code = forms.CharField(
        label=_("Kürzel"), max_length=20, help_text=_("z. B. ME-1: kurz und eindeutig im Raum")
    )
    title = forms.CharField(label=_("Titel"), max_length=200)
    description = forms.CharField(
        label=_("Beschreibung"), required=False, max_length=5000, widget=forms.Textarea
    )


class OfficerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        person: Person = obj
        return f"{person} ({person.authority})" if person.authority_id else str(person)


class ProjectChoices(ShortNamePicker):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.title)


class MeasureForm(forms.Form):
    code = forms.CharField(label=_("Kürzel"), max_length=20, help_text=_("z. B. ME-1.2"))
    title = forms.CharField(label=_("Titel"), max_length=200)
    description = forms.CharField(
        label=_("Beschreibung"), required=False, max_length=5000, widget=forms.Textarea
    )
    lead_authority = forms.ModelChoiceField(
        label=_("federführende Behörde"), queryset=Authority.objects.none()
    )
    responsible = OfficerChoice(
        label=_("verantwortlich"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("Eine oder ein Digitalisierungsverantwortliche/r der federführenden Behörde"),
    )
    starts_on = _date(_("Beginn"))
    ends_on = _date(_("Ende"))
    projects = ProjectChoices(
        label=_("Projekte, die der Maßnahme dienen"),
        queryset=Project.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, viewer: Viewer, space: Space, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["lead_authority"].queryset = Authority.objects.current().order_by("name_de")
        fields["responsible"].queryset = (
            Person.objects.filter(officer_roles__in=_active_officers())
            .select_related("authority", "user")
            .distinct()
            .order_by("user__last_name", "user__first_name", "pk")
        )
        # The space's projects first: those that could serve a measure of this space.
        fields["projects"].offer(
            Project.objects.visible_to(viewer).filter(primary_space=space).order_by("title", "pk")
        )

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


def _active_officers() -> Any:
    return DigitalOfficer.objects.active()


PATH_LINE = re.compile(r"^\s*(\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{2}-\d{2})\s*[:;]\s*(.+?)\s*$")


class IndicatorForm(forms.Form):
    name = forms.CharField(label=_("Bezeichnung"), max_length=200)
    unit = forms.CharField(label=_("Einheit"), max_length=40, help_text=_("z. B. %, Anzahl, Tage"))
    direction = forms.ChoiceField(
        label=_("Richtung"), choices=Direction.choices, widget=forms.RadioSelect
    )
    measure = forms.ModelChoiceField(
        label=_("Maßnahme"),
        queryset=Measure.objects.none(),
        required=False,
        empty_label=_("keine: eine Kennzahl des Ziels"),
    )
    baseline_value = FigureField(
        label=_("Ausgangswert"), help_text=_("Pflicht: ohne ihn lässt sich kein Fortschritt messen")
    )
    baseline_on = _date(_("Stand des Ausgangswerts"))
    target_value = FigureField(label=_("Zielwert"))
    target_on = _date(_("Zieldatum"))
    path = forms.CharField(
        label=_("Zwischenziele"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Eines je Zeile: Datum, Doppelpunkt, Wert, z. B. 31.12.2026: 40"),
    )
    source = forms.CharField(label=_("Quelle"), max_length=200, required=False)

    def __init__(self, *args: Any, goal: Goal, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        if editing:
            # An indicator stays with its goal or measure: its values were measured for it.
            del fields["measure"]
        else:
            fields["measure"].queryset = Measure.objects.filter(goal=goal).order_by("code", "pk")

    def clean_path(self) -> list[PathInput]:
        points = []
        figure = FigureField()
        for number, line in enumerate(self.cleaned_data.get("path", "").splitlines(), start=1):
            if not line.strip():
                continue
            match = PATH_LINE.match(line)
            if not match:
                raise ValidationError(
                    _("Zeile %(n)s: bitte „Datum: Wert“ schreiben, z. B. 31.12.2026: 40.")
                    % {"n": number}
                )
            raw_date, raw_value = match.groups()
            try:
                on = (
                    dt.date.fromisoformat(raw_date)
                    if "-" in raw_date
                    else dt.datetime.strptime(raw_date, "%d.%m.%Y").date()  # noqa: DTZ007
                )
                value = figure.clean(raw_value)
                validate_plausible_date(on)
            except (ValueError, ValidationError) as exc:
                raise ValidationError(
                    _("Zeile %(n)s: „%(line)s“ ist kein Datum mit einer Zahl.")
                    % {"n": number, "line": line.strip()}
                ) from exc
            points.append(PathInput(on, value))
        return points

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


def path_text(indicator: Any) -> str:
    return "\n".join(
        f"{p.on.strftime('%d.%m.%Y')}: {input_number(p.value, 4)}" for p in indicator.path.all()
    )


class ValueForm(forms.Form):
    on = _date(_("Stichtag"))
    value = FigureField(label=_("Wert"))
    source = forms.CharField(label=_("Quelle"), max_length=200, required=False)
    comment = forms.CharField(label=_("Kommentar"), max_length=1000, required=False)


class RoundForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_("z. B. Berichtsrunde 2026/2")
    )
    period_start = _date(_("Berichtszeitraum von"))
    period_end = _date(_("Berichtszeitraum bis"))
    deadline = _date(_("Abgabefrist"))
    spaces = forms.ModelMultipleChoiceField(
        label=_("Räume"),
        queryset=Space.objects.order_by("position", "slug"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Bitte mindestens einen Raum wählen.")},
    )


class ReportForm(forms.Form):
    """The officer's report on one measure: the scale, the light, the text, and per indicator
    the new value (fields `value_<id>`, `on_<id>`, `comment_<id>`)."""

    rating = forms.ChoiceField(
        label=_("Umsetzungsstand"),
        choices=[("", _("noch nicht gewählt")), *Rating.choices],
        required=False,
    )
    light = forms.ChoiceField(
        label=_("Ampel"), choices=[("", _("noch nicht gewählt")), *Light.choices], required=False
    )
    text = forms.CharField(
        label=_("Bericht"),
        required=False,
        max_length=10000,
        widget=forms.Textarea,
        help_text=_("Was wurde im Berichtszeitraum erreicht, was steht aus, was hindert?"),
    )

    def __init__(self, *args: Any, indicators: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            self.fields[f"value_{indicator.pk}"] = FigureField(
                label=_("%(name)s: neuer Wert (%(unit)s)")
                % {"name": indicator.name, "unit": indicator.unit},
                required=False,
            )
            self.fields[f"on_{indicator.pk}"] = _date(
                _("%(name)s: Stichtag") % {"name": indicator.name}, required=False
            )
            self.fields[f"comment_{indicator.pk}"] = forms.CharField(
                label=_("%(name)s: Kommentar") % {"name": indicator.name},
                required=False,
                max_length=1000,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for indicator in self.indicators:
            value, on = data.get(f"value_{indicator.pk}"), data.get(f"on_{indicator.pk}")
            if value is not None and on is None and f"on_{indicator.pk}" not in self.errors:
                self.add_error(f"on_{indicator.pk}", _("Bitte den Stichtag des Werts angeben."))
            if on is not None and value is None and f"value_{indicator.pk}" not in self.errors:
                self.add_error(f"value_{indicator.pk}", _("Bitte den Wert angeben."))
        return data

    def reported(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "indicator": i,
                "on": data[f"on_{i.pk}"],
                "value": data[f"value_{i.pk}"],
                "comment": data.get(f"comment_{i.pk}", ""),
            }
            for i in self.indicators
            if data.get(f"value_{i.pk}") is not None
        ]


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Anmerkung der Raumkoordination"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Entscheidung"),
        choices=[("accept", _("annehmen")), ("return", _("zur Korrektur zurückgeben"))],
        widget=forms.RadioSelect,
    )
    itd_rating = forms.ChoiceField(
        label=_("Umsetzungsstand (Einschätzung ITD)"),
        choices=[("", _("keine eigene Einschätzung")), *Rating.choices],
        required=False,
    )
    comment = forms.CharField(
        label=_("Anmerkung"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Bei einer Rückgabe Pflicht: was ist zu ändern?"),
    )


class FreezeForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "Ich friere die Berichtsrunde ein. Ihr Stand kann danach nicht mehr geändert werden."
        ),
        error_messages={"required": _("Bitte bestätigen Sie das Einfrieren.")},
    )


class RoundImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV-Datei"),
        help_text=_(
            "Der Export dieser Runde, ausgefüllt (höchstens 5 MB und 10.000 Zeilen). "
            "Zahlen mit Komma, ohne Tausenderpunkte: 45,5."
        ),
    )
    submit = forms.BooleanField(
        label=_("Die Meldungen gleich einreichen (sonst als Entwurf speichern)"), required=False
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > exchange.MAX_BYTES:
            raise ValidationError(_("Die Datei ist größer als 5 MB."))
        content: bytes = upload.read()
        return content


class RoundReportForm(forms.Form):
    """The round report's scope and format. The scopes offered are those the person may
    request (selectors.round_report_scopes); any other existing scope is refused by the
    service with 403, as in the report archive."""

    format = forms.ChoiceField(
        label=_("Format"),
        choices=[(Format.PDF, _("PDF")), (Format.XLSX, _("Excel (XLSX)"))],
        initial=Format.PDF,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Bitte wählen Sie das Format."),
            "invalid_choice": _("Dieses Format gibt es für den Rundenbericht nicht."),
        },
    )

    def __init__(self, data: Any = None, *, options: list[tuple[str, str]]) -> None:
        super().__init__(data, initial={"scope": options[0][0]} if options else None)
        self.fields["scope"] = ScopeField(
            label=_("Umfang"),
            options=options,
            error_messages={"required": _("Bitte wählen Sie den Umfang.")},
        )
        self.order_fields(["scope", "format"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        scope = data.pop("scope", None)
        if isinstance(scope, dict):
            data["scope"], data["space"] = scope["scope"], scope["space"]
        return data
