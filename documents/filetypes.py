"""What an uploaded file is, decided from its content, never from its name.

The allowed kinds: PDF, the office formats (OOXML docx/xlsx/pptx, OpenDocument odt/ods/odp),
images (PNG, JPEG, GIF, WebP) and plain text (UTF-8 text, CSV). `filetype` (pure Python, magic
numbers) gives a first guess; our own checks decide:

- executables (MZ, ELF, Mach-O, a `#!` script) are refused whatever they are called;
- an office file is a ZIP whose `[Content_Types].xml` names the main part of a document,
  workbook or presentation (macro-enabled variants are refused), or whose first entry `mimetype`
  names an OpenDocument type;
- text must decode as UTF-8 (a BOM allowed), contain no NUL, and not be markup a browser would
  run (HTML, SVG, XML);
- SVG is not allowed at all (it can carry script); the legacy binary formats (doc, xls, ppt)
  are not either: their container (OLE2) cannot be told apart from other OLE2 files reliably
  without parsing it, and it can carry macros.

The extension must fit the detected kind. The name is only metadata: the stored name is made by
the portal.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import filetype
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

HEAD = 8192
CHUNK = 64 * 1024
MAX_NAME = 200
# [Content_Types].xml is small; a larger one is not an office document we accept.
MAX_CONTENT_TYPES = 1024 * 1024


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    content_type: str
    extensions: tuple[str, ...]


def _kind(key: str, label: str, content_type: str, *extensions: str) -> Kind:
    return Kind(key, label, content_type, extensions)


OOXML = "application/vnd.openxmlformats-officedocument"
ODF = "application/vnd.oasis.opendocument"
KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        _kind("pdf", "PDF", "application/pdf", "pdf"),
        _kind("docx", "Word (docx)", f"{OOXML}.wordprocessingml.document", "docx"),
        _kind("xlsx", "Excel (xlsx)", f"{OOXML}.spreadsheetml.sheet", "xlsx"),
        _kind("pptx", "PowerPoint (pptx)", f"{OOXML}.presentationml.presentation", "pptx"),
        _kind("odt", "OpenDocument Text (odt)", f"{ODF}.text", "odt"),
        _kind("ods", "OpenDocument Tabelle (ods)", f"{ODF}.spreadsheet", "ods"),
        _kind("odp", "OpenDocument Präsentation (odp)", f"{ODF}.presentation", "odp"),
        _kind("png", "PNG", "image/png", "png"),
        _kind("jpeg", "JPEG", "image/jpeg", "jpg", "jpeg"),
        _kind("gif", "GIF", "image/gif", "gif"),
        _kind("webp", "WebP", "image/webp", "webp"),
        _kind("txt", "Text", "text/plain; charset=utf-8", "txt"),
        _kind("csv", "CSV", "text/csv; charset=utf-8", "csv"),
    )
}
ALLOWED_EXTENSIONS = tuple(sorted({e for k in KINDS.values() for e in k.extensions}))
ALLOWED_LABEL = gettext_lazy(
    "PDF, Word, Excel, PowerPoint (docx, xlsx, pptx), OpenDocument (odt, ods, odp), "
    "Bilder (PNG, JPEG, GIF, WebP), Text (txt, csv)"
)

# The main part of each OOXML kind, as [Content_Types].xml names it.
_OOXML_MAIN = {
    f"{OOXML}.wordprocessingml.document.main+xml": "docx",
    f"{OOXML}.spreadsheetml.sheet.main+xml": "xlsx",
    f"{OOXML}.presentationml.presentation.main+xml": "pptx",
}
_ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",  # Mach-O 32/64, both byte orders, and universal binaries
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGES = {"png": "png", "jpg": "jpeg", "gif": "gif", "webp": "webp"}
# Markup a browser would render (and run) if it ever took the file for HTML.
_MARKUP = re.compile(
    rb"^\s*<(?:!doctype|html|head|body|script|svg|\?xml|iframe|object|embed|meta|link|style)\b",
    re.IGNORECASE,
)
_SCRIPT_ANYWHERE = re.compile(rb"<(?:script|svg|iframe|html)\b", re.IGNORECASE)


def size_label(size: int) -> str:
    """25 MB, 1,5 MB, 12 KB (German decimal comma)."""
    if size >= 1024 * 1024:
        text = f"{size / (1024 * 1024):.1f}".removesuffix(".0")
        return f"{text} MB".replace(".", ",")
    return f"{max(1, round(size / 1024))} KB"


def _error(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


# --- The name --------------------------------------------------------------------------------


def check_name(name: str) -> str:
    """The original name, if it is a plain file name; its extension (lower case) is returned.

    Django's upload parser already strips directory parts from a browser's file name; this
    refuses any that still reach a service (an import, the admin, a test) rather than trust it.
    """
    if not name or not name.strip():
        raise _error(_("Die Datei hat keinen Namen."), "name")
    bad = (
        "/" in name
        or "\\" in name
        or name.strip(". ") == ""
        or ".." in name.split("/")
        or any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name)
    )
    if bad:
        raise _error(
            _(
                "Der Dateiname darf keine Pfadangaben (/, \\, ..) und keine Steuerzeichen "
                "enthalten."
            ),
            "name",
        )
    if len(name) > MAX_NAME:
        raise _error(
            _("Der Dateiname ist zu lang (höchstens %(n)s Zeichen).") % {"n": MAX_NAME}, "name"
        )
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem.strip() or not extension:
        raise _error(
            _("Der Dateiname braucht eine Endung, z. B. .pdf; erlaubt sind: %(allowed)s.")
            % {"allowed": ALLOWED_LABEL},
            "name",
        )
    return extension.lower()


# --- The content -----------------------------------------------------------------------------


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    handle.seek(0)
    while chunk := handle.read(CHUNK):
        yield chunk


def _is_text(handle: IO[bytes]) -> bool:
    """UTF-8 throughout (an optional BOM), no NUL, not markup."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = True
    for chunk in _chunks(handle):
        if b"\x00" in chunk:
            return False
        if first:
            if chunk.startswith(codecs.BOM_UTF8):
                chunk = chunk[len(codecs.BOM_UTF8) :]
            if _MARKUP.match(chunk[:HEAD]) or _SCRIPT_ANYWHERE.search(chunk[:HEAD]):
                return False
            first = False
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _office_kind(handle: IO[bytes]) -> str | None:
    """docx/xlsx/pptx/odt/ods/odp from the ZIP's own declaration, or None."""
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            names = archive.namelist()
            if names and names[0] == "mimetype":
                return _ODF_MIMETYPES.get(archive.read("mimetype").strip())
            if "[Content_Types].xml" not in names:
                return None
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > MAX_CONTENT_TYPES:
                return None
            declared = archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError, RuntimeError):
        return None
    found = {kind for main, kind in _OOXML_MAIN.items() if main.encode() in declared}
    return found.pop() if len(found) == 1 else None


def _binary_kind(head: bytes, handle: IO[bytes]) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    guess = filetype.guess(head)
    if guess is not None and guess.extension in _IMAGES:
        return _IMAGES[guess.extension]
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(handle)
    return None


def detect(handle: IO[bytes], extension: str) -> Kind:
    """The kind of the file's content (ValidationError: refused, with the reason)."""
    handle.seek(0)
    head = handle.read(HEAD)
    if not head:
        raise _error(_("Die Datei ist leer."), "empty")
    if head.startswith(_EXECUTABLE_MAGIC):
        raise _error(
            _("Ausführbare Programme und Skripte können nicht hochgeladen werden."), "executable"
        )
    if head.startswith(_OLE2):
        raise _error(
            _(
                "Ältere Office-Formate (doc, xls, ppt) werden nicht angenommen. Bitte speichern "
                "Sie die Datei als docx, xlsx, pptx oder PDF."
            ),
            "legacy_office",
        )
    key = _binary_kind(head, handle)
    if key is None and extension in ("txt", "csv") and _is_text(handle):
        key = extension
    if key is None:
        raise _error(
            _(
                "Dieser Dateityp ist nicht erlaubt (geprüft wird der Inhalt, nicht der Name). "
                "Erlaubt sind: %(allowed)s."
            )
            % {"allowed": ALLOWED_LABEL},
            "type",
        )
    kind = KINDS[key]
    if extension not in kind.extensions:
        raise _error(
            _(
                "Die Endung .%(extension)s passt nicht zum Inhalt der Datei (erkannt: "
                "%(kind)s). Bitte laden Sie sie mit der Endung .%(expected)s hoch."
            )
            % {"extension": extension, "kind": kind.label, "expected": kind.extensions[0]},
            "extension",
        )
    handle.seek(0)
    return kind
