from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from contacts.models import Authority, Organisation
from core.audiences import Viewer
from core.dates import plausible_dates_hint
from core.forms import (
    AMOUNT_HELP,
    AddressPicker,
    MoneyField,
    PlausibleDateInput,
    PortalFormSet,
    StateField,
    add_service_errors,
    form_field,
    quiet_formset,
)
from core.text import slugify_german
from spaces.models import Space

from .models import (
    BUDGET_LINE_DESCRIPTION_MAX_LENGTH,
    SLUG_MAX_LENGTH,
    BudgetLine,
    FiscalYear,
    Project,
)
from .permissions import contact_person_candidates
from .services import LineInput, LinkInput, MilestoneInput, check_fiscal_year


class FteField(MoneyField):
    """Full-time equivalents, typed like an amount ('0,5'; '0.5' in English)."""

    default_error_messages = {
        "invalid": _("Bitte eine Zahl eingeben, z. B. 0,5."),
        "negative": _("VZÄ dürfen nicht negativ sein."),
        "decimals": _("Höchstens zwei Nachkommastellen."),
        "too_large": _("Höchstens 999 VZÄ."),
    }

    def __init__(self, **kwargs):
        super().__init__(places=2, max_whole_digits=3, **kwargs)


# --- Portfolio filters ------------------------------------------------------------------------


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label=_("Suche"), required=False, max_length=100)
    space = forms.ModelChoiceField(
        label=_("Raum"),
        queryset=Space.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("alle Räume"),
        error_messages={"invalid_choice": _("Diesen Raum gibt es nicht.")},
    )
    authority = forms.ModelChoiceField(
        label=_("Behörde"),
        queryset=Authority.objects.current().order_by("code"),
        required=False,
        to_field_name="code",
        empty_label=_("alle Behörden"),
        error_messages={"invalid_choice": _("Diese Behörde gibt es nicht.")},
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("alle"))] + Project.Status.choices
    )
    health = forms.ChoiceField(
        label=_("Ampel"), required=False, choices=[("", _("alle"))] + Project.Health.choices
    )
    year = forms.TypedChoiceField(
        label=_("Haushaltsjahr"), required=False, coerce=int, empty_value=None, choices=()
    )
    visibility = forms.ChoiceField(
        label=_("Sichtbarkeit"),
        required=False,
        choices=[("", _("alle"))] + Project.Visibility.choices,
    )
    sort = forms.ChoiceField(
        label=_("Sortierung"),
        required=False,
        choices=[
            ("title", _("Titel A–Z")),
            ("-title", _("Titel Z–A")),
            ("space", _("Raum")),
            ("authority", _("Behörde")),
            ("status", _("Status")),
            ("health", _("Ampel")),
            ("start", _("Beginn, früheste zuerst")),
            ("-start", _("Beginn, späteste zuerst")),
            ("end", _("Ende, früheste zuerst")),
            ("-end", _("Ende, späteste zuerst")),
            ("-updated", _("zuletzt geändert")),
        ],
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "year", forms.TypedChoiceField).choices = [("", _("alle Jahre"))] + [
            (y, str(y)) for y in years
        ]

    def valid_filters(self) -> dict:
        """The filters that are valid (invalid ones are reported at their field)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            k: v
            for k, v in getattr(self, "cleaned_data", {}).items()
            if k not in self.errors and v not in (None, "")
        }

    def query_without_page(self) -> str:
        """The filters as a query string, for the pagination links."""
        if not self.is_bound:
            return ""
        assert isinstance(self.data, QueryDict)  # bound to request.GET
        query = self.data.copy()
        query.pop("page", None)
        return query.urlencode()


def say_limits(form: forms.BaseForm, *, in_hint: bool = True) -> None:
    """Every text field with a length limit says it: in its hint (not in the rows of a grid,
    where it would repeat on every row), and in the refusal, which names the limit and the
    length typed. The inputs carry maxlength; static/js/forms.js says when it cut a paste."""
    for field in form.fields.values():
        limit = getattr(field, "max_length", None)
        if not isinstance(field, forms.CharField) or not limit or field.widget.is_hidden:
            continue
        if in_hint:
            said = _("höchstens %(limit)s Zeichen") % {"limit": limit}
            field.help_text = f"{field.help_text} ({said})" if field.help_text else said
        field.error_messages["max_length"] = _(
            "Höchstens %(limit_value)d Zeichen – Ihr Text hat %(show_value)d. Bitte kürzen Sie "
            "ihn; es wurde nichts gespeichert."
        )


# --- Project ----------------------------------------------------------------------------------


# Fields whose label is a term of the glossary (the portal's help): their hint links to it.
GLOSSARY_TERMS = {
    "primary_space": "federfuehrend",
    "lead_authority": "federfuehrend",
    "health": "ampel",
    "visibility": "sichtbarkeit",
}


def glossary_hint(hint: Any, anchor: str) -> str:
    """The field's hint followed by a link to the glossary entry (the URL by name: the help
    lives in the portal, above this app)."""
    link = format_html(
        '<a class="kern-link" href="{}#{}">{}</a>',
        reverse("core:glossary"),
        anchor,
        _("Erklärung im Glossar"),
    )
    return format_html("{} {}", hint, link) if hint else link


class ProjectForm(forms.ModelForm):
    version = StateField()
    # Any text: clean_slug makes it into a part of the address (the model checks the result).
    slug = forms.CharField(label=_("Kurzname"), max_length=SLUG_MAX_LENGTH, required=False)

    class Meta:
        model = Project
        fields = (
            "title",
            "slug",
            "summary",
            "description",
            "primary_space",
            "spaces",
            "lead_authority",
            "participating_authorities",
            "partner_organisations",
            "contact_persons",
            "status",
            "health",
            "health_reason",
            "start",
            "end",
            "visibility",
        )
        field_classes = {"contact_persons": AddressPicker}
        widgets = {
            "start": PlausibleDateInput(),
            "end": PlausibleDateInput(),
            "description": forms.Textarea(attrs={"rows": 5}),
            "health_reason": forms.Textarea(attrs={"rows": 2}),
            # Checkboxes need no Ctrl/Cmd; static/js/forms.js adds a filter above long lists.
            "spaces": forms.CheckboxSelectMultiple(attrs={"data-picker": ""}),
            "participating_authorities": forms.CheckboxSelectMultiple(attrs={"data-picker": ""}),
            "partner_organisations": forms.CheckboxSelectMultiple(attrs={"data-picker": ""}),
            "contact_persons": forms.CheckboxSelectMultiple(attrs={"data-picker": ""}),
            "lead_authority": forms.Select(attrs={"data-picker": ""}),
            "primary_space": forms.Select(attrs={"data-picker": ""}),
        }

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(
            self, "lead_authority", forms.ModelChoiceField
        ).queryset = Authority.objects.current().order_by("code")
        form_field(
            self, "participating_authorities", forms.ModelMultipleChoiceField
        ).queryset = Authority.objects.current().order_by("code")
        form_field(
            self, "partner_organisations", forms.ModelMultipleChoiceField
        ).queryset = Organisation.objects.all()
        form_field(self, "contact_persons", AddressPicker).offer(
            contact_person_candidates(user, self.instance if self.instance.pk else None)
        )
        say_limits(self)
        for name in ("start", "end"):
            self.fields[name].help_text = plausible_dates_hint()
        slug = self.fields["slug"]
        slug.help_text = _(
            "Teil der Adresse, z. B. digitaler-bauantrag. Leer lassen: Er wird aus dem Titel "
            "gebildet (aus „Mobilität“ wird „mobilitaet“)."
        )
        slug.widget.attrs["data-slug-from"] = "id_title"
        for name, anchor in GLOSSARY_TERMS.items():
            self.fields[name].help_text = glossary_hint(self.fields[name].help_text, anchor)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean_slug(self) -> str:
        """What is typed is made into a part of an address ("Hafenlotsen Plattform" ->
        "hafenlotsen-plattform"); empty keeps an existing project's, and a new project's is
        made from the title by the service."""
        typed = self.cleaned_data.get("slug") or ""
        if not typed.strip():
            return self.instance.slug if self.instance.pk else ""
        return slugify_german(typed, max_length=SLUG_MAX_LENGTH) or typed

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("Das Ende darf nicht vor dem Beginn liegen."))
        health = data.get("health")
        if (
            health
            and health != Project.Health.GREEN
            and not (data.get("health_reason") or "").strip()
        ):
            self.add_error("health_reason", _("Bei gelb oder rot ist eine Begründung Pflicht."))
        return data

    def _post_clean(self):
        # The service validates the model (full_clean) and reports errors at the fields; the
        # form only checks its own fields here, so nothing is validated twice.
        pass


# --- Budget lines -----------------------------------------------------------------------------


class FiscalYearForm(forms.Form):
    """Which year's lines to edit; GET, so the page can be bookmarked. Cleans to the FiscalYear
    (one of the project's period, and one that is set up)."""

    year = forms.IntegerField(
        label=_("Haushaltsjahr"),
        error_messages={"invalid": _("Bitte ein Jahr eingeben, z. B. 2026.")},
    )

    def __init__(self, data, *, project: Project, default_year: int):
        super().__init__(data or {"year": default_year})
        self.project = project

    def clean_year(self) -> FiscalYear:
        year = self.cleaned_data["year"]
        fiscal_year = FiscalYear.objects.filter(year=year).first()
        if fiscal_year is None:
            raise ValidationError(
                _("Für %(year)s ist kein Haushaltsjahr angelegt.") % {"year": year}
            )
        try:
            check_fiscal_year(self.project, fiscal_year)
        except ValidationError as error:
            raise ValidationError(error.message_dict["fiscal_year"]) from error
        return fiscal_year

    @property
    def fiscal_year(self) -> FiscalYear | None:
        return self.cleaned_data["year"] if self.is_valid() else None

    @property
    def fiscal_years(self) -> list[FiscalYear]:
        """The fiscal years of the project's period that are set up (links to switch)."""
        period = (self.project.start.year, self.project.end.year)
        return list(FiscalYear.objects.filter(year__range=period))


class ObjectChoiceField(forms.ChoiceField):
    """A choice among objects loaded once (for all rows of a formset), without a query per row."""

    def set_objects(self, objects) -> None:
        self.objects = {str(o.pk): o for o in objects}
        self.choices = [("", "–")] + [(str(o.pk), str(o)) for o in objects]

    def clean(self, value):
        value = super().clean(value)
        return self.objects.get(str(value)) if value not in self.empty_values else None


class BudgetLineForm(forms.Form):
    line_id = StateField()
    version = StateField()
    category = ObjectChoiceField(
        label=_("Kostenart"),
        required=False,
        error_messages={"invalid_choice": _("Bitte eine Kostenart aus der Liste wählen.")},
    )
    funding_source = ObjectChoiceField(
        label=_("Finanzierungsquelle"),
        required=False,
        error_messages={"invalid_choice": _("Bitte eine Quelle aus der Liste wählen.")},
    )
    # Required by the service when several rows share category and source.
    description = forms.CharField(
        label=_("Bezeichnung"), max_length=BUDGET_LINE_DESCRIPTION_MAX_LENGTH, required=False
    )
    einzelplan = forms.CharField(label=_("Einzelplan"), max_length=10, required=False)
    aufgabenbereich = forms.CharField(label=_("Aufgabenbereich"), max_length=20, required=False)
    produktgruppe = forms.CharField(label=_("Produktgruppe"), max_length=20, required=False)
    fte = FteField(label=_("VZÄ"), required=False)
    pay_grade = forms.CharField(label=_("Entgeltgruppe"), max_length=20, required=False)
    months = forms.IntegerField(
        label=_("Monate"),
        required=False,
        min_value=1,
        max_value=12,
        error_messages={
            "invalid": _("Bitte eine ganze Zahl von 1 bis 12 eingeben."),
            "min_value": _("Mindestens 1 Monat."),
            "max_value": _("Höchstens 12 Monate."),
        },
    )
    planned = MoneyField(label=_("Plan"), required=False)
    revised = MoneyField(label=_("fortgeschriebener Plan"), required=False)
    committed = MoneyField(label=_("gebunden"), required=False)
    actual = MoneyField(label=_("Ist"), required=False)
    note = forms.CharField(label=_("Bemerkung"), max_length=300, required=False)

    def __init__(self, *args, categories=(), sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        say_limits(self, in_hint=False)
        # The choices are loaded once for the whole formset, not once per row.
        form_field(self, "category", ObjectChoiceField).set_objects(categories)
        form_field(self, "funding_source", ObjectChoiceField).set_objects(sources)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.has_changed() and not data.get("line_id"):
            return data
        if not data.get("category"):
            self.add_error("category", _("Bitte eine Kostenart wählen."))
        if not data.get("funding_source"):
            self.add_error("funding_source", _("Bitte eine Finanzierungsquelle wählen."))
        return data

    @property
    def is_blank(self) -> bool:
        return not self.has_changed() and not self.cleaned_data.get("line_id")


class BaseBudgetLineFormSet(PortalFormSet):
    """The lines of one fiscal year; blank rows are ignored."""

    def __init__(self, *args, categories=None, sources=None, **kwargs):
        self.categories = categories
        self.sources = sources
        self.service_errors: list[str] = []
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"categories": self.categories, "sources": self.sources}

    # What handle_form passes on to the service, instead of Django's list of row dicts.
    @property
    def cleaned_data(self) -> dict[str, list[LineInput]]:  # type: ignore[override]
        """What the service takes: the filled rows as LineInput, in form order."""
        return {"rows": [line_input(form.cleaned_data) for _i, form in self.filled_forms()]}

    def filled_forms(self) -> list[tuple[int, BudgetLineForm]]:
        return [(i, f) for i, f in enumerate(self.forms) if f.cleaned_data and not f.is_blank]

    def show_service_errors(self, error: ValidationError) -> None:
        """Row errors at their rows (the service counts filled rows), the rest above."""
        rows = getattr(error, "rows", {}).get("lines")
        if rows is None:
            self.service_errors.extend(error.messages)
            return
        filled = self.filled_forms()
        for row_index, row_error in rows.items():
            add_service_errors(filled[row_index][1], row_error)

    @property
    def has_errors(self) -> bool:
        return bool(self.total_error_count() or self.service_errors)

    amount_help = AMOUNT_HELP


def line_input(data: dict) -> LineInput:
    return LineInput(
        line_id=data.get("line_id"),
        version=data.get("version"),
        category=data["category"],
        funding_source=data["funding_source"],
        description=data.get("description", ""),
        einzelplan=data.get("einzelplan", ""),
        aufgabenbereich=data.get("aufgabenbereich", ""),
        produktgruppe=data.get("produktgruppe", ""),
        planned=data.get("planned"),
        revised=data.get("revised"),
        committed=data.get("committed") or Decimal("0"),
        actual=data.get("actual") or Decimal("0"),
        note=data.get("note", ""),
        fte=data.get("fte"),
        pay_grade=data.get("pay_grade", ""),
        months=data.get("months"),
    )


# formset_factory makes a subclass of `formset`; its stub says only "a BaseFormSet".
BudgetLineFormSet = cast(
    "type[BaseBudgetLineFormSet]",
    forms.formset_factory(
        BudgetLineForm, formset=BaseBudgetLineFormSet, extra=1, max_num=200, validate_max=True
    ),
)


def line_initial(line: BudgetLine) -> dict:
    return {
        "line_id": line.pk,
        "version": line.version,
        "category": line.category_id,
        "funding_source": line.funding_source_id,
        "description": line.description,
        "einzelplan": line.einzelplan,
        "aufgabenbereich": line.aufgabenbereich,
        "produktgruppe": line.produktgruppe,
        "fte": line.fte,
        "pay_grade": line.pay_grade,
        "months": line.months,
        "planned": line.planned,
        "revised": line.revised,
        "committed": line.committed,
        "actual": line.actual,
        "note": line.note,
    }


class DeleteConfirmForm(forms.Form):
    version = StateField()


# --- Milestones and links ---------------------------------------------------------------------


class MilestoneForm(forms.Form):
    milestone_id = StateField()
    title = forms.CharField(label=_("Meilenstein"), max_length=200, required=False)
    due = forms.DateField(label=_("fällig am"), required=False, widget=PlausibleDateInput())
    done = forms.DateField(label=_("erreicht am"), required=False, widget=PlausibleDateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        say_limits(self, in_hint=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.has_changed():
            return data
        if not data.get("title"):
            self.add_error("title", _("Bitte einen Titel angeben."))
        if not data.get("due") and "due" not in self.errors:
            self.add_error("due", _("Bitte ein Fälligkeitsdatum angeben."))
        return data


class LinkForm(forms.Form):
    link_id = StateField()
    title = forms.CharField(label=_("Titel"), max_length=200, required=False)
    url = forms.URLField(
        label=_("Adresse"),
        max_length=500,
        required=False,
        assume_scheme="https",
        error_messages={"invalid": _("Bitte eine vollständige Adresse eingeben (https://…).")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        say_limits(self, in_hint=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.has_changed():
            return data
        if not data.get("title"):
            self.add_error("title", _("Bitte einen Titel angeben."))
        if not data.get("url") and "url" not in self.errors:
            self.add_error("url", _("Bitte eine Adresse angeben."))
        return data


MilestoneFormSet = forms.formset_factory(
    MilestoneForm, formset=PortalFormSet, extra=1, max_num=100, validate_max=True
)
LinkFormSet = forms.formset_factory(
    LinkForm, formset=PortalFormSet, extra=1, max_num=50, validate_max=True
)


class MilestonesAndLinksForm:
    """The milestones and links of a project, edited on one page: two formsets, one form."""

    def __init__(self, data, *, project: Project):
        self.milestones = MilestoneFormSet(
            data,
            prefix="milestones",
            initial=[
                {"milestone_id": m.pk, "title": m.title, "due": m.due, "done": m.done}
                for m in project.milestones.all()
            ],
        )
        self.links = LinkFormSet(
            data,
            prefix="links",
            initial=[
                {"link_id": k.pk, "title": k.title, "url": k.url} for k in project.links.all()
            ],
        )

    def is_valid(self) -> bool:
        return self.milestones.is_valid() & self.links.is_valid()

    def quiet(self) -> None:
        """Shown again with one more row: what was typed, no errors."""
        quiet_formset(self.milestones)
        quiet_formset(self.links)

    @property
    def cleaned_data(self) -> dict:
        """The changed rows as (row index, input) for the service."""
        return {
            "milestones": [
                (
                    i,
                    MilestoneInput(
                        f.cleaned_data.get("milestone_id"),
                        f.cleaned_data["title"],
                        f.cleaned_data["due"],
                        f.cleaned_data["done"],
                    ),
                )
                for i, f in enumerate(self.milestones)
                if f.has_changed()
            ],
            "links": [
                (
                    i,
                    LinkInput(
                        f.cleaned_data.get("link_id"),
                        f.cleaned_data["title"],
                        f.cleaned_data["url"],
                    ),
                )
                for i, f in enumerate(self.links)
                if f.has_changed()
            ],
        }

    def show_service_errors(self, error: ValidationError) -> None:
        rows = getattr(error, "rows", {})
        for index, row_error in rows.get("milestones", {}).items():
            add_service_errors(self.milestones[index], row_error)
        for index, row_error in rows.get("links", {}).items():
            add_service_errors(self.links[index], row_error)

    @property
    def has_errors(self) -> bool:
        return bool(self.milestones.total_error_count() or self.links.total_error_count())


# --- Reference data ---------------------------------------------------------------------------


class CostRateForm(forms.Form):
    fiscal_year = forms.ModelChoiceField(
        label=_("Haushaltsjahr"), queryset=FiscalYear.objects.all(), to_field_name="year"
    )
    pay_grade = forms.CharField(
        label=_("Entgelt-/Besoldungsgruppe"), max_length=20, help_text=_("z. B. E 13 oder A 14")
    )
    annual_full_cost = MoneyField(
        label=_("Vollkosten je VZÄ und Jahr (€)"),
        help_text=format_lazy(
            "{}. {}", _("inklusive Arbeitsplatzkosten und Gemeinkostenzuschlag"), AMOUNT_HELP
        ),
    )


class ProgrammeBudgetForm(forms.Form):
    amount = MoneyField(label=_("Programmbudget (€)"), help_text=AMOUNT_HELP)
    note = forms.CharField(label=_("Bemerkung"), max_length=300, required=False)
