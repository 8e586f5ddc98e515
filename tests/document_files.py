"""Small real files of every kind the documents app accepts or refuses, built in code."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from documents.demo import tiny_pdf

OOXML = "application/vnd.openxmlformats-officedocument"


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\x00" * 32
        + b"\xff\xd9"
    )


def gif() -> bytes:
    return (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
        b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


def webp() -> bytes:
    payload = b"WEBPVP8 " + struct.pack("<I", 10) + b"\x00" * 10
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


def _zip(entries: list[tuple[str, bytes]], *, stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for index, (name, data) in enumerate(entries):
            method = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return out.getvalue()


def ooxml(main: str) -> bytes:
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/main.xml" ContentType="{main}"/></Types>'
    ).encode()
    return _zip([("[Content_Types].xml", types), ("main.xml", b"<x/>")])


def docx() -> bytes:
    return ooxml(f"{OOXML}.wordprocessingml.document.main+xml")


def xlsx() -> bytes:
    return ooxml(f"{OOXML}.spreadsheetml.sheet.main+xml")


def pptx() -> bytes:
    return ooxml(f"{OOXML}.presentationml.presentation.main+xml")


def docm() -> bytes:
    return ooxml("application/vnd.ms-word.document.macroEnabled.main+xml")


def odf(kind: str) -> bytes:
    mimetype = f"application/vnd.oasis.opendocument.{kind}".encode()
    return _zip([("mimetype", mimetype), ("content.xml", b"<x/>")], stored_first=True)


def plain_zip() -> bytes:
    return _zip([("notes.txt", b"hallo")])


def ole2() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def pdf() -> bytes:
    return tiny_pdf("Protokoll")


ACCEPTED = {
    "protokoll.pdf": (pdf, "application/pdf"),
    "bericht.docx": (docx, f"{OOXML}.wordprocessingml.document"),
    "budget.xlsx": (xlsx, f"{OOXML}.spreadsheetml.sheet"),
    "vortrag.pptx": (pptx, f"{OOXML}.presentationml.presentation"),
    "text.odt": (lambda: odf("text"), "application/vnd.oasis.opendocument.text"),
    "tabelle.ods": (lambda: odf("spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet"),
    "folien.odp": (
        lambda: odf("presentation"),
        "application/vnd.oasis.opendocument.presentation",
    ),
    "bild.png": (png, "image/png"),
    "foto.jpg": (jpeg, "image/jpeg"),
    "foto.jpeg": (jpeg, "image/jpeg"),
    "animation.gif": (gif, "image/gif"),
    "bild.webp": (webp, "image/webp"),
    "notiz.txt": (lambda: "Notiz: Grüße aus Hamburg\n".encode(), "text/plain; charset=utf-8"),
    "liste.csv": (lambda: "Name;Ort\nMüller;Hamburg\n".encode(), "text/csv; charset=utf-8"),
    "bom.txt": (lambda: b"\xef\xbb\xbfmit BOM\n", "text/plain; charset=utf-8"),
}

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"

# name, content, the error code of the refusal
REFUSED = {
    "windows-exe-as-pdf": (
        "bericht.pdf",
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64,
        "executable",
    ),
    "elf-as-txt": ("notiz.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "executable"),
    "macho-as-pdf": ("bericht.pdf", b"\xcf\xfa\xed\xfe" + b"\x00" * 64, "executable"),
    "script-as-txt": ("notiz.txt", b"#!/bin/sh\nrm -rf /\n", "executable"),
    "html-as-pdf": ("bericht.pdf", HTML, "type"),
    "html-as-txt": ("notiz.txt", HTML, "type"),
    "svg-as-png": ("bild.png", SVG, "type"),
    "svg-as-txt": ("bild.txt", SVG, "type"),
    "svg": ("bild.svg", SVG, "type"),
    "xml-as-txt": ("daten.txt", b'<?xml version="1.0"?><a/>', "type"),
    "script-in-text": ("notiz.txt", b"Hallo\n<script>alert(1)</script>\n", "type"),
    "macro-docm-as-docx": ("bericht.docx", docm(), "type"),
    "plain-zip-as-docx": ("bericht.docx", plain_zip(), "type"),
    "zip": ("archiv.zip", plain_zip(), "type"),
    "legacy-doc": ("alt.doc", ole2(), "legacy_office"),
    "png-as-pdf": ("bericht.pdf", png(), "extension"),
    "docx-as-xlsx": ("budget.xlsx", docx(), "extension"),
    "pdf-as-txt": ("notiz.txt", pdf(), "extension"),
    "nul-in-text": ("notiz.txt", b"Hallo\x00Welt", "type"),
    "latin1-text": ("notiz.txt", "Grüße".encode("latin-1"), "type"),
    "no-extension": ("protokoll", pdf(), "name"),
    "unknown-binary": ("daten.bin", b"\x00\x01\x02\x03" * 20, "type"),
}
