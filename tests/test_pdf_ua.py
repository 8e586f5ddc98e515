"""The PDF/UA checks of tests/pdf_ua.py can fail: each layer names what is wrong in a PDF made
wrong on purpose, and finds nothing in the same content written by the portal's PDF writer.
The report types themselves are checked in tests/test_reports.py and test_strategy_report.py."""

from __future__ import annotations

import pytest

from core import pdf

from .pdf_ua import pdf_ua_problems

pytestmark = pytest.mark.skipif(bool(pdf.missing()), reason="WeasyPrint or Pango is missing")

PAGE = (
    '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Bericht</title></head>'
    "<body>{}</body></html>"
)
TABLE = (
    '<table><thead><tr><th scope="col">Raum</th><th scope="col">Plan</th></tr></thead>'
    "<tbody><tr><td>Mobilität</td><td>1.000,00 €</td></tr></tbody></table>"
)
GOOD = f"<h1>Bericht</h1><p>Erster Absatz.</p><h2>Teil</h2>{TABLE}"
# A 10 x 10 square as an SVG image.
SQUARE = (
    "data:image/svg+xml;base64,PHN2ZyB4bWxucz0naHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmcnIHdpZHRoPScx"
    "MCcgaGVpZ2h0PScxMCc+PHJlY3Qgd2lkdGg9JzEwJyBoZWlnaHQ9JzEwJy8+PC9zdmc+"
)


def _problems(tmp_path, body: str, *, tagged: bool = True) -> list[str]:
    html = PAGE.format(body)
    target = tmp_path / "bericht.pdf"
    if tagged:
        pdf.write_pdf(html, target)
    else:
        import weasyprint

        weasyprint.HTML(string=html).write_pdf(target)
    return pdf_ua_problems(target, html)


def test_the_portals_pdf_writer_makes_a_pdf_ua_that_passes_every_layer(tmp_path):
    alt = f'<figure><img alt="Ein Quadrat" src="{SQUARE}"><figcaption>Quadrat</figcaption></figure>'
    assert _problems(tmp_path, GOOD + alt) == []


def test_an_untagged_pdf_fails_the_checker_and_our_checks(tmp_path):
    problems = _problems(tmp_path, GOOD, tagged=False)
    assert any(p.startswith("pdfua UA-01-005") for p in problems), problems
    assert "no structure tree" in problems
    assert "the metadata does not claim PDF/UA-1 (pdfuaid:part)" in problems


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<h1>Bericht</h1><h3>Teil</h3><p>Text.</p>", "heading levels skipped: [(1, 3)]"),
        (f'{GOOD}<img alt="" src="{SQUARE}">', "a figure without alternative text"),
        (
            "<h1>Bericht</h1><table><tr><td>1</td><td>2</td></tr></table>",
            "table 3 has no header cell",
        ),
        (
            '<h1>Bericht</h1><div style="display: flex; flex-direction: column-reverse">'
            "<p>Zuerst kommt dies.</p><p>Danach das.</p></div>",
            "reading order: 'Danach' after “Bericht Zuerst kommt dies” is not found in that order",
        ),
    ],
    ids=["skipped heading", "figure without alt", "table without header", "reading order"],
)
def test_each_layer_names_what_is_wrong(tmp_path, body, expected):
    assert expected in _problems(tmp_path, body)
