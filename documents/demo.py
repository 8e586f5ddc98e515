"""Demo documents for `seed_demo`: a few small files made in code (a one-page PDF, a text and
a CSV file) in two spaces and on one project."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from contacts.models import User
from projects.models import Project
from spaces.models import Space

from . import services
from .models import Document


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF showing `text` (ASCII), with a correct cross-reference table."""
    safe = text.encode("ascii", "replace").replace(b"\\", b"\\\\")
    safe = safe.replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 18 Tf 72 720 Td (" + safe + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def seed_documents(*, spaces: list[Space], project: Project | None, by: User) -> int:
    """Idempotent: a document whose title exists in its place is not added again."""
    items: list[tuple[Space | Project, str, str, str, bytes]] = []
    if spaces:
        items += [
            (
                spaces[0],
                "Protokoll der Raumsitzung März",
                "Ergebnisse und Aufgaben der Sitzung vom 12. März.",
                "protokoll-maerz.pdf",
                tiny_pdf("Protokoll der Raumsitzung Maerz"),
            ),
            (
                spaces[0],
                "Teilnehmendenliste Workshop",
                "Wer am Workshop Ladeinfrastruktur teilnimmt.",
                "teilnehmende.csv",
                "Name;Behörde\nA. Muster;BVM\nB. Beispiel;BUKEA\n".encode(),
            ),
        ]
    if len(spaces) > 1:
        items.append(
            (
                spaces[1],
                "Leitfaden Datenschutz in Pilotprojekten",
                "Kurzfassung für Partner aus Wissenschaft und Wirtschaft.",
                "leitfaden-datenschutz.txt",
                b"Leitfaden Datenschutz\n\n1. Zweck festlegen.\n2. Daten sparsam erheben.\n",
            )
        )
    if project is not None:
        items.append(
            (
                project,
                "Projektsteckbrief",
                "Ziele, Zeitplan und Ansprechpersonen des Projekts.",
                "steckbrief.pdf",
                tiny_pdf(f"Projektsteckbrief {project.slug}"),
            )
        )
    created = 0
    for container, title, description, name, content in items:
        same = Document.objects.filter(title=title)
        if isinstance(container, Space):
            same = same.filter(space=container)
        else:
            same = same.filter(project=container)
        if same.exists():
            continue
        services.document_create(
            actor=by,
            container=container,
            title=title,
            description=description,
            upload=_upload(name, content),
            notify=False,
        )
        created += 1
    return created
