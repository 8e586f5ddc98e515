"""The form with which ITD marks a dataset as published."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import Report
from strategy.models import Round

from .models import Category, Kind
from .services import publishable_reports, publishable_rounds


class RoundChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Round)
        return f"{obj.name} ({obj.period_start:%d.%m.%Y} – {obj.period_end:%d.%m.%Y})"


class ReportChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Report)
        return f"{obj.heading} ({obj.get_format_display()}, {obj.created_at:%d.%m.%Y})"


class PublishForm(forms.Form):
    kind = forms.ChoiceField(label=_("Was wird veröffentlicht?"), choices=Kind.choices)
    round = RoundChoice(
        label=_("Berichtsrunde"),
        queryset=Round.objects.none(),
        required=False,
        help_text=_("Nur bei „Kennzahlen einer Berichtsrunde“: nur abgeschlossene Runden."),
    )
    report = ReportChoice(
        label=_("Bericht"),
        queryset=Report.objects.none(),
        required=False,
        help_text=_("Nur bei „Budgetbericht“: fertige Budgetberichte der gesamten Strategie."),
    )
    category = forms.ChoiceField(
        label=_("Kategorie nach § 3 Abs. 1 HmbTG"), choices=Category.choices
    )
    title = forms.CharField(
        label=_("Titel"),
        max_length=200,
        required=False,
        help_text=_("Leer: der vorgeschlagene Titel der Art."),
    )
    description = forms.CharField(
        label=_("Beschreibung"), max_length=2000, required=False, widget=forms.Textarea
    )
    title_en = forms.CharField(label=_("Titel (englisch)"), max_length=200, required=False)
    description_en = forms.CharField(
        label=_("Beschreibung (englisch)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        round_field = self.fields["round"]
        report_field = self.fields["report"]
        assert isinstance(round_field, RoundChoice) and isinstance(report_field, ReportChoice)
        round_field.queryset = publishable_rounds()
        report_field.queryset = publishable_reports()
