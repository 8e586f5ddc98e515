"""The forms' renderer: Django's own, with select fields written in Python.

Django renders every `<option>` of a select through two small templates (the option and its
attributes). On the portfolio's filter (eight fields, about seventy options) that cost about
13 ms per page on the bench machine, three times a bare request. `FormRenderer` writes the same
HTML in Python instead, byte for byte as Django's templates write it (a test compares both for
every shape: groups, selected and disabled options, attributes true, false and valued, text
that must be escaped and text already safe). Anything else, a select whose options use another
template, or a project that overrides Django's select templates, goes through the templates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms as django_forms
from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, SafeString

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
ATTRS = "django/forms/widgets/attrs.html"
# Where Django keeps its own widget templates.
_DJANGOS = Path(django_forms.__file__).parent / "templates"


def _formatted(value: Any) -> str:
    """`{{ value|stringformat:'s' }}` under autoescape (the filter keeps safe text safe)."""
    text = str(value)
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html"""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{_formatted(value)}"')
    return "".join(parts)


def select_html(widget: dict[str, Any]) -> SafeString:
    """django/forms/widgets/select.html with its options, as the renderer returns it."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return SafeString("".join(parts))


class FormRenderer(DjangoTemplates):
    """settings.FORM_RENDERER"""

    @cached_property
    def _selects_are_djangos(self) -> bool:
        """Nobody overrides Django's select templates (an app's templates would come first)."""
        for name in (SELECT, OPTION, ATTRS):
            template: Any = self.engine.get_template(name)  # its origin: where it was read
            if not Path(template.origin.name).is_relative_to(_DJANGOS):
                return False
        return True

    def render(
        self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None
    ) -> str:
        if template_name == SELECT and self._selects_are_djangos:
            widget = context["widget"]
            if all(
                option["template_name"] == OPTION
                for _group, options, _index in widget["optgroups"]
                for option in options
            ):
                return select_html(widget)
        return super().render(template_name, context, request)
