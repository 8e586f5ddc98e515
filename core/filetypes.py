"""What an uploaded file is, decided from its content, never from its name.

The allowed kinds: PDF, the office formats (OOXML docx/xlsx/pptx, OpenDocument odt/ods/odp),
images (PNG, JPEG, GIF, WebP) and plain text (UTF-8 text, CSV). `filetype` (pure Python, magic
numbers) gives a first guess; our own checks decide:

- executables (MZ, ELF, Mach-O, a `#!` script) are refused whatever they are called;
- an office file is a ZIP whose `[Content_Types].xml` names the main part of a document,
  workbook or presentation (macro-enabled variants are refused), or whose first entry `mimetype`
  names an OpenDocument type; a ZIP is never unpacked whole: only those two members are read,
  streamed and cut off at a limit, and an archive of too many members, a member that unpacks
  beyond its limit or ratio, an archive inside them, or sizes that do not match are refused;
- text must decode as UTF-8 (a BOM allowed), contain no NUL, and not be markup a browser would
  run (HTML, SVG, XML), checked throughout the file, not only at its start;
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
import zlib
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

# Reading inside an office file (a ZIP). The upload is at most DOCUMENT_MAX_SIZE packed, but a
# member can unpack to far more (1 GiB of spaces deflates to about 1 MB), and the sizes in the
# archive's directory are the uploader's word. So a member is read in CHUNKs, at most its limit
# and one byte more (to know it is over), whatever size the archive claims for it.
# [Content_Types].xml lists one line per part; a large presentation needs some 100 KB.
MAX_CONTENT_TYPES = 1024 * 1024
# `mimetype` holds one media type ("application/vnd.oasis.opendocument.presentation", 47 bytes).
MAX_MIMETYPE = 1024
# XML deflates about 5-20 to 1; more than 100 to 1 is a bomb, not a document. Checked once a
# member has unpacked RATIO_FLOOR bytes: small members can pack oddly well and cost nothing.
MAX_RATIO = 100
RATIO_FLOOR = 64 * 1024
# zipfile keeps one object (about 500 bytes) per member while it is open. A document has a few
# hundred parts, a large presentation a few thousand; the directory of 5000 members takes well
# under 1 MB. Both are checked before zipfile reads the directory (a directory of 1 MB holds at
# most some 20,000 members, about 10 MB in memory), the count once more after.
MAX_MEMBERS = 5000
MAX_DIRECTORY = 1024 * 1024
# What another archive starts with (ZIP, gzip, bzip2, xz, 7z, RAR): never inside a member we read.
_ARCHIVE_MAGIC = (
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
)
# The longest tag _SCRIPT_ANYWHERE looks for ("<iframe" and the character after it) fits in it:
# each chunk is searched together with the end of the one before, so a tag split across two
# chunks is found.
OVERLAP = 16


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


def _starts_with_markup(handle: IO[bytes]) -> bool:
    """Markup at the start of the text, after a BOM and any amount of white space."""
    offset = 0
    for chunk in _chunks(handle):
        if offset == 0 and chunk.startswith(codecs.BOM_UTF8):
            offset, chunk = len(codecs.BOM_UTF8), chunk[len(codecs.BOM_UTF8) :]
        stripped = chunk.lstrip()
        offset += len(chunk) - len(stripped)
        if stripped:
            handle.seek(offset)
            return bool(_MARKUP.match(handle.read(HEAD)))
    return False


def _is_text(handle: IO[bytes]) -> bool:
    """UTF-8 throughout (an optional BOM), no NUL, no markup: the whole file, not its start."""
    if _starts_with_markup(handle):
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    tail = b""
    for chunk in _chunks(handle):
        if b"\x00" in chunk:
            return False
        window = tail + chunk
        # A tag that ends exactly at the end of the window may go on in the next chunk
        # ("<script" + "x" is no tag); the overlap brings it into the next window, decided there.
        if any(m.end() < len(window) for m in _SCRIPT_ANYWHERE.finditer(window)):
            return False
        tail = window[-OVERLAP:]
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
    if _SCRIPT_ANYWHERE.search(tail):
        return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _archive_refused(message: str) -> ValidationError:
    return _error(message, "archive")


def _too_large() -> ValidationError:
    return _archive_refused(
        _(
            "Die Datei wird nicht angenommen: Ein Teil des Archivs wäre entpackt unzulässig "
            "groß (eine sogenannte ZIP-Bombe)."
        )
    )


def _too_many() -> ValidationError:
    return _archive_refused(
        _("Die Datei besteht aus zu vielen Teilen (höchstens %(n)s werden angenommen).")
        % {"n": MAX_MEMBERS}
    )


def _check_directory(handle: IO[bytes]) -> None:
    """Refuse an archive whose directory is too large, before zipfile reads it into memory.

    zipfile reads the directory by the size its end record gives, whatever the count there
    says. `_EndRecData` is zipfile's own reader of that record (ZIP64 included; not in its
    public API or type stubs), so what is checked here is exactly what zipfile will read.
    """
    handle.seek(0)
    end_record = zipfile._EndRecData(handle)  # type: ignore[attr-defined]
    if end_record is None:
        return  # not a ZIP; zipfile says so
    entries = end_record[zipfile._ECD_ENTRIES_TOTAL]  # type: ignore[attr-defined]
    size = end_record[zipfile._ECD_SIZE]  # type: ignore[attr-defined]
    if entries > MAX_MEMBERS or size > MAX_DIRECTORY:
        raise _too_many()


def _size_lies() -> ValidationError:
    return _archive_refused(
        _(
            "Die Datei ist beschädigt oder manipuliert: Die Größenangaben im Archiv passen "
            "nicht zu seinem Inhalt."
        )
    )


def _plainly_packed(info: zipfile.ZipInfo) -> bool:
    """Stored or deflated, as office programs write them. zipfile unpacks bzip2 and LZMA
    without a bound per read (a few KB can unpack to many MB at once), so those are not read."""
    return info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The member's content, read in chunks and never beyond `limit` (+1 byte to see it is
    over), whatever size the archive's directory claims for it."""
    if info.file_size > limit:
        raise _too_large()
    packed = max(info.compress_size, 1)
    data = bytearray()
    try:
        with archive.open(info) as member:
            while chunk := member.read(min(CHUNK, limit + 1 - len(data))):
                data += chunk
                if len(data) > limit:
                    raise _too_large()
                if len(data) > RATIO_FLOOR and len(data) > MAX_RATIO * packed:
                    raise _too_large()
    except zipfile.BadZipFile as error:
        # zipfile stops at the claimed size; a member that is longer fails its checksum there.
        raise _size_lies() from error
    # A member shorter than claimed (or longer, cut off at the claim) does not match its entry.
    if len(data) != info.file_size:
        raise _size_lies()
    if bytes(data[:8]).startswith(_ARCHIVE_MAGIC):
        raise _archive_refused(
            _("Die Datei wird nicht angenommen: Sie enthält ein weiteres Archiv.")
        )
    return bytes(data)


def _office_kind(handle: IO[bytes]) -> str | None:
    """docx/xlsx/pptx/odt/ods/odp from the ZIP's own declaration, or None.

    ValidationError (code "archive") for an archive that would cost more to look into than a
    document can: too many members, a member too large or too packed, sizes that lie.
    """
    _check_directory(handle)
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise _too_many()
            if members and members[0].filename == "mimetype":
                if not _plainly_packed(members[0]):
                    return None
                return _ODF_MIMETYPES.get(_read_member(archive, members[0], MAX_MIMETYPE).strip())
            try:
                info = archive.getinfo("[Content_Types].xml")
            except KeyError:
                return None
            if not _plainly_packed(info):
                return None
            declared = _read_member(archive, info, MAX_CONTENT_TYPES)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
        zlib.error,
    ):
        # Not a ZIP, damaged, encrypted, or packed in a way zipfile cannot unpack.
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
