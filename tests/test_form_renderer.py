"""core.renderers writes select fields in Python exactly as Django's templates write them."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from core.renderers import SELECT, FormRenderer

CHOICES = {
    "plain": [("", "alle"), ("1", "Eins"), ("2", "Zwei")],
    "escaped": [('a"b', "<b>fett</b> & ‚Zitat‘"), ("x<y", "Straße")],
    "safe label": [("1", mark_safe("<em>schon sicher</em>"))],
    "lazy label": [("de", gettext_lazy("Deutsch"))],
    "numbers": [(1, "eins"), (2.5, "zweieinhalb"), (None, "keins")],
    "groups": [
        ("Bezirke", [("a", "Altona"), ("e", "Eimsbüttel")]),
        ("", [("x", "ohne Gruppe")]),
        ("Behörden & Ämter", [("f", "Finanzbehörde")]),
        ("z", "einzeln"),
    ],
    "empty": [],
}


VALUES = [None, "1", "2", ["1", "a"], 'a"b', "x<y", 1, "de"]
ATTRS = [
    {},
    {"class": "kern-form-input__select", "id": "id_f", "aria-describedby": "id_f_error"},
    {"required": True, "disabled": False, "data-x": 'a"<b>', "aria-invalid": "true"},
    {"data-safe": mark_safe("&amp;"), "title": gettext_lazy("Suche")},
]


@pytest.mark.parametrize(
    "widget_class", [forms.Select, forms.SelectMultiple, forms.NullBooleanSelect]
)
def test_a_select_is_written_as_djangos_templates_write_it(widget_class):
    checked = 0
    for shape, choices in CHOICES.items():
        for attrs in ATTRS:
            for value in VALUES:
                if isinstance(value, list) and widget_class is not forms.SelectMultiple:
                    continue
                if widget_class is forms.NullBooleanSelect:
                    widget = widget_class(attrs=attrs)
                else:
                    widget = widget_class(attrs=attrs, choices=choices)
                expected = widget.render("feld", value, renderer=DjangoTemplates())
                got = widget.render("feld", value, renderer=FormRenderer())
                assert got == expected, (shape, attrs, value)
                checked += 1
    assert checked >= 7 * 4 * 7


def test_the_renderer_writes_selects_itself_and_other_widgets_through_templates(monkeypatch):
    renderer = FormRenderer()
    used = []
    original = DjangoTemplates.render

    def spy(self, template_name, context, request: HttpRequest | None = None):
        used.append(template_name)
        return original(self, template_name, context, request)

    monkeypatch.setattr(DjangoTemplates, "render", spy)
    forms.Select(choices=[("1", "Eins")]).render("a", "1", renderer=renderer)
    forms.TextInput().render("b", "x", renderer=renderer)
    assert SELECT not in used and "django/forms/widgets/text.html" in used


def test_options_of_another_template_go_through_the_templates(monkeypatch):
    class Radioish(forms.Select):
        option_template_name = "django/forms/widgets/radio_option.html"

    widget = Radioish(choices=[("1", "Eins")])
    assert widget.render("a", "1", renderer=FormRenderer()) == widget.render(
        "a", "1", renderer=DjangoTemplates()
    )


def test_forms_of_the_portal_use_it(settings):
    assert settings.FORM_RENDERER == "core.renderers.FormRenderer"
