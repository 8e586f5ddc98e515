"""The upload checks cannot be made to unpack or scan without bound (issue 16, audit findings 1
and 2): an office file is a ZIP, and only the members that tell its kind are read, in chunks,
never beyond a limit, whatever the archive claims; a text upload is checked for markup
throughout, also where a tag is split across two chunks."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from core import filetypes
from documents.models import Document, DocumentVersion

from . import document_files as files
from .conftest import client_for
from .test_documents import stored_files

ODF_TEXT = b"application/vnd.oasis.opendocument.text"
DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    f'<Override PartName="/main.xml" ContentType="{files.OOXML}'
    '.wordprocessingml.document.main+xml"/></Types>'
).encode()
# 64 MiB of spaces deflate to some 64 KB: four times the memory ceiling below, built quickly.
BOMB_SIZE = 64 * 1024 * 1024
CEILING = 16 * 1024 * 1024


def _spaces_member(archive: zipfile.ZipFile, name: str, size: int, head: bytes = b"") -> None:
    """A deflated member of `size` bytes (mostly spaces), written in chunks: the test never
    holds it whole either."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    block = b" " * (1024 * 1024)
    with archive.open(info, "w") as member:
        member.write(head)
        left = size - len(head)
        while left > 0:
            member.write(block[: min(left, len(block))])
            left -= len(block)


def _archive(build: Callable[[zipfile.ZipFile], None]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        build(archive)
    return out.getvalue()


@pytest.fixture(scope="module")
def odf_bomb() -> bytes:
    """The audit's case: an .odt whose first member `mimetype` unpacks to many MB of spaces."""

    def build(archive: zipfile.ZipFile) -> None:
        _spaces_member(archive, "mimetype", BOMB_SIZE, head=ODF_TEXT)
        archive.writestr("content.xml", b"<x/>")

    return _archive(build)


@pytest.fixture(scope="module")
def ooxml_bomb() -> bytes:
    def build(archive: zipfile.ZipFile) -> None:
        _spaces_member(archive, "[Content_Types].xml", BOMB_SIZE, head=DOCX_TYPES)
        archive.writestr("main.xml", b"<x/>")

    return _archive(build)


def _claim_size(data: bytes, name: str, claimed: int) -> bytes:
    """The archive with `claimed` as the unpacked size of `name`, in its local header and in
    the central directory (what a forger writes)."""
    raw = bytearray(data)
    encoded = name.encode()
    local = raw.index(b"PK\x03\x04")
    while raw[local + 30 : local + 30 + len(encoded)] != encoded:
        local = raw.index(b"PK\x03\x04", local + 4)
    struct.pack_into("<I", raw, local + 22, claimed)
    central = raw.index(b"PK\x01\x02")
    while raw[central + 46 : central + 46 + len(encoded)] != encoded:
        central = raw.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", raw, central + 24, claimed)
    return bytes(raw)


def _refusal(name: str, content: bytes) -> tuple[ValidationError | None, int]:
    """The check's refusal (None: accepted) and the peak memory it allocated."""
    upload = SimpleUploadedFile(name, content)
    extension = filetypes.check_name(name)
    refused: ValidationError | None = None
    tracemalloc.start()
    try:
        filetypes.detect(upload, extension)
    except ValidationError as error:
        refused = error
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return refused, peak


# --- Finding 1: ZIP bombs ------------------------------------------------------------------


def test_an_odf_bomb_is_refused_without_unpacking_it(odf_bomb):
    assert len(odf_bomb) < 1024 * 1024
    refused, peak = _refusal("bombe.odt", odf_bomb)
    # The old check read the whole member (64 MiB here, 1 GiB in the audit's file) and then
    # accepted it: the spaces around the media type were stripped.
    assert peak < CEILING, peak
    assert refused is not None and refused.code == "archive"
    assert "ZIP-Bombe" in refused.messages[0]


def test_an_ooxml_bomb_is_refused_without_unpacking_it(ooxml_bomb):
    refused, peak = _refusal("bombe.docx", ooxml_bomb)
    assert refused is not None and refused.code == "archive"
    assert peak < CEILING, peak


@pytest.mark.parametrize("member", ["mimetype", "[Content_Types].xml"])
def test_a_member_claiming_to_be_small_is_read_no_further_than_its_limit(
    member, odf_bomb, ooxml_bomb
):
    """The directory says 40 bytes; the data unpacks to 64 MiB. Trusting neither, the check
    reads no more than the limit and refuses the archive as manipulated."""
    bomb = odf_bomb if member == "mimetype" else ooxml_bomb
    name = "bombe.odt" if member == "mimetype" else "bombe.docx"
    refused, peak = _refusal(name, _claim_size(bomb, member, 40))
    assert refused is not None and refused.code == "archive"
    assert "Größenangaben" in refused.messages[0]
    assert peak < CEILING, peak


def test_a_member_claiming_to_be_larger_than_it_is_is_refused():
    docx = _claim_size(files.docx(), "[Content_Types].xml", len(DOCX_TYPES) + 1000)
    refused, _peak = _refusal("bericht.docx", docx)
    assert refused is not None and refused.code == "archive"


def test_a_member_packed_far_beyond_the_usual_ratio_is_refused():
    """200 KB of spaces after the declaration: under the size limit, but 1000 to 1."""

    def build(archive: zipfile.ZipFile) -> None:
        _spaces_member(archive, "[Content_Types].xml", 200 * 1024, head=DOCX_TYPES)

    refused, _peak = _refusal("bericht.docx", _archive(build))
    assert refused is not None and refused.code == "archive"


# More members than filetypes.MAX_MEMBERS (5000) allows.
MANY = 6000


def _many_members(count: int) -> bytes:
    def build(archive: zipfile.ZipFile) -> None:
        archive.writestr("[Content_Types].xml", DOCX_TYPES)
        for index in range(count):
            archive.writestr(f"p/{index}.xml", b"")

    return _archive(build)


def test_an_archive_of_thousands_of_members_is_refused():
    refused, _peak = _refusal("bericht.docx", _many_members(MANY))
    assert refused is not None and refused.code == "archive"
    assert "zu vielen Teilen" in refused.messages[0]


def test_an_archive_understating_its_member_count_is_refused():
    data = bytearray(_many_members(MANY))
    end = data.rindex(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 2, 2)  # "2 members" on this disk and in all
    refused, _peak = _refusal("bericht.docx", bytes(data))
    assert refused is not None and refused.code == "archive"


def test_a_document_of_many_parts_within_the_limit_is_accepted():
    upload = SimpleUploadedFile("bericht.docx", _many_members(1000))
    assert filetypes.detect(upload, "docx").key == "docx"


@pytest.mark.parametrize(
    ("name", "member"),
    [("bericht.docx", "[Content_Types].xml"), ("text.odt", "mimetype")],
)
def test_an_archive_inside_an_inspected_member_is_refused(name, member):
    inner = files.odf("text") if member == "mimetype" else files.docx()

    def build(archive: zipfile.ZipFile) -> None:
        archive.writestr(member, inner)

    refused, _peak = _refusal(name, _archive(build))
    assert refused is not None and refused.code == "archive"
    assert "weiteres Archiv" in refused.messages[0]


def test_a_member_packed_in_a_way_office_programs_do_not_use_is_not_read():
    """zipfile unpacks bzip2 without a bound per read, so such a member is not read at all."""

    def build(archive: zipfile.ZipFile) -> None:
        archive.writestr("[Content_Types].xml", DOCX_TYPES, compress_type=zipfile.ZIP_BZIP2)

    refused, _peak = _refusal("bericht.docx", _archive(build))
    assert refused is not None and refused.code == "type"


def test_the_upload_page_refuses_a_bomb_at_the_field_and_stores_nothing(
    odf_bomb, member, space, settings
):
    client = client_for(member)
    url = reverse("documents:space_new", args=[space.slug])
    response = client.post(
        url, {"title": "Bombe", "file": SimpleUploadedFile("bombe.odt", odf_bomb)}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "ZIP-Bombe" in page
    assert not Document.objects.exists()
    assert not DocumentVersion.objects.exists()
    assert stored_files(settings) == []
    with translation.override("en"):
        refused, _peak = _refusal("bombe.odt", odf_bomb)
    assert refused is not None and "ZIP bomb" in refused.messages[0]


# --- Finding 2: markup anywhere in a text upload -------------------------------------------


def _is_refused(content: bytes, name: str = "notiz.txt") -> bool:
    try:
        filetypes.detect(SimpleUploadedFile(name, content), name.rpartition(".")[2])
    except ValidationError as error:
        assert error.code == "type"
        return True
    return False


SCRIPT = b"<script>alert(1)</script>"


def test_markup_after_the_first_8_kb_is_refused():
    assert _is_refused(b"Protokoll\n" * 1000 + SCRIPT + b"\n")
    assert _is_refused(b"a;b\n" * 50_000 + b"<svg onload=alert(1)>\n", "liste.csv")


@pytest.mark.parametrize("split", [1, 3, 7])
def test_a_tag_split_across_two_chunks_is_found(split):
    text = b"x" * (filetypes.CHUNK - split) + SCRIPT + b"y" * 100
    assert text[: filetypes.CHUNK].endswith(SCRIPT[:split])
    assert _is_refused(text)


def test_markup_after_a_long_run_of_white_space_is_refused():
    assert _is_refused(b" " * (filetypes.CHUNK + 10) + b"<!DOCTYPE html><p>hi</p>")


def test_long_text_without_markup_is_accepted_across_chunk_borders():
    # "<script" followed by a letter is no tag; an umlaut split across chunks stays UTF-8.
    text = b"x" * (filetypes.CHUNK - 7) + b"<scriptum a < b>" + "Grüße\n".encode() * 20_000
    assert not _is_refused(text)
    assert not _is_refused(b"a" * (filetypes.CHUNK - 1) + "ü".encode() + b" Ende\n")
