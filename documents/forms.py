"""The upload forms. The form checks what a person typed; the service checks the file (its
name, size and content) once more and decides, so a form that is bypassed changes nothing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.filetypes import ALLOWED_EXTENSIONS, ALLOWED_LABEL, size_label
from core.uploads import too_large_message


def _file_field(label: Any) -> forms.FileField:
    return forms.FileField(
        label=label,
        allow_empty_file=False,
        max_length=200,
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(f".{e}" for e in ALLOWED_EXTENSIONS)}
        ),
    )


class _UploadForm(forms.Form):
    def __init__(self, *args: Any, refused: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refused = refused or set()
        self.fields["file"].help_text = _("Erlaubt: %(allowed)s; höchstens %(max)s.") % {
            "allowed": ALLOWED_LABEL,
            "max": size_label(settings.DOCUMENT_MAX_SIZE),
        }

    def full_clean(self) -> None:
        super().full_clean()
        # A file skipped for its size arrives as no file at all: say why, not "required".
        if "file" in self.refused and self.is_bound:
            self.errors.pop("file", None)
            self.add_error("file", too_large_message())


class DocumentForm(_UploadForm):
    title = forms.CharField(label=gettext_lazy("Titel"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Beschreibung"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    file = _file_field(gettext_lazy("Datei"))
    field_order = ["title", "description", "file"]


class VersionForm(_UploadForm):
    file = _file_field(gettext_lazy("Neue Version"))
    note = forms.CharField(
        label=gettext_lazy("Was hat sich geändert? (optional)"), required=False, max_length=300
    )


class ConfirmForm(forms.Form):
    """A button to confirm (no fields)."""
