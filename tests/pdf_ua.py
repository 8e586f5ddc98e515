"""Is a PDF the portal wrote accessible (PDF/UA-1)? Three layers, each a list of problems:

1. `pdfua` (PyPI, on pikepdf): the machine-checkable rules it implements; every ERROR counts. Its
   heuristic warning that header cells carry no /Scope is not an error here: WeasyPrint links
   every data cell to its header cells by /Headers and /IDs, which layer 2 checks.
2. Our own checks with pikepdf, of what that checker leaves out: the PDF/UA identifier in the
   metadata, title and language equal to the HTML's, headings in the order and at the levels of
   the HTML without a skipped level, bookmarks for them, tables with header cells and every data
   cell linked to existing ones, one figure with alternative text per image of the HTML, fonts
   embedded.
3. Reading order: the words of the HTML's body, in order, are found in that order in the text
   `pdftotext -raw` reads from the PDF (which may add the running heads and page numbers).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pdfua
import pikepdf

PDFTOTEXT = shutil.which("pdftotext")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Elements whose text is not part of the reading order: page furniture repeated on every page
# (the running head and foot, written in the page margins as artifacts) and the style sheet.
FURNITURE = ("running-head", "running-foot")


class _Html(HTMLParser):
    """What the checks need from the HTML a PDF was made from."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = ""
        self.title = ""
        self.headings: list[tuple[int, str]] = []
        self.images: list[str] = []
        self.words: list[str] = []
        self._stack: list[str] = []
        self._skip = 0
        self._heading: list[str] | None = None
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang") or ""
        if tag in ("br", "img", "meta", "link", "col", "hr", "input"):
            if tag == "img":
                self.images.append(values.get("alt") or "")
            return
        classes = (values.get("class") or "").split()
        skip = tag in ("style", "head") or any(c in FURNITURE for c in classes)
        self._stack.append(tag)
        self._skip += skip
        if skip:
            self._stack[-1] = f"{tag}!"
        if tag == "title":
            self._in_title = True
        if tag in HEADINGS:
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in HEADINGS and self._heading is not None:
            self.headings.append((int(tag[1]), " ".join(" ".join(self._heading).split())))
            self._heading = None
        while self._stack:
            opened = self._stack.pop()
            if opened.endswith("!"):
                self._skip -= 1
            if opened.rstrip("!") == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._skip:
            return
        if self._heading is not None:
            self._heading.append(data)
        self.words += _words(data)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def parse_html(html: str) -> _Html:
    parser = _Html()
    parser.feed(html)
    return parser


def _elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """The structure elements in document (depth-first) order."""
    found: list[pikepdf.Dictionary] = []

    def walk(node: object) -> None:
        if isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            found.append(node)
            walk(node.get("/K"))

    walk(pdf.Root.StructTreeRoot.get("/K"))
    return found


def _text_of(element: pikepdf.Dictionary) -> str:
    return str(element.get("/ActualText") or element.get("/Alt") or "")


def checker_problems(path: Path) -> list[str]:
    """Layer 1: the errors of the PDF/UA checker."""
    report = pdfua.validate(str(path))
    return [
        f"pdfua {f.rule_id}: {f.message}" for f in report.findings if f.severity.name == "ERROR"
    ]


def structure_problems(path: Path, html: _Html) -> list[str]:
    """Layer 2: our own checks with pikepdf."""
    problems: list[str] = []
    with pikepdf.open(path) as pdf:
        meta = pdf.open_metadata()
        if meta.get("pdfuaid:part") != "1":
            problems.append("the metadata does not claim PDF/UA-1 (pdfuaid:part)")
        if str(meta.get("dc:title") or "").strip() != html.title.strip():
            problems.append(f"title {meta.get('dc:title')!r} is not the HTML's {html.title!r}")
        if str(pdf.Root.get("/Lang", "")) != html.lang:
            problems.append(f"language {pdf.Root.get('/Lang')!r} is not the HTML's {html.lang!r}")
        mark_info = pdf.Root.get("/MarkInfo")
        if not isinstance(mark_info, pikepdf.Dictionary) or not mark_info.get("/Marked"):
            problems.append("not marked as tagged (/MarkInfo /Marked)")
        if "/StructTreeRoot" not in pdf.Root:
            return [*problems, "no structure tree"]
        elements = _elements(pdf)
        roles = [str(e.S) for e in elements]
        levels = [int(r[2]) for r in roles if re.fullmatch(r"/H[1-6]", r)]
        if levels != [level for level, _text in html.headings]:
            problems.append(f"heading levels {levels} are not the HTML's {html.headings}")
        if not levels or levels[0] != 1:
            problems.append("the first heading is not a level-1 heading")
        skipped = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
        if skipped:
            problems.append(f"heading levels skipped: {skipped}")
        outline = []
        with pdf.open_outline() as tree:
            stack = list(reversed(tree.root))
            while stack:
                item = stack.pop()
                outline.append(" ".join(item.title.split()))
                stack += list(reversed(item.children))
        if outline != [text for _level, text in html.headings]:
            problems.append(f"bookmarks {outline} are not the headings {html.headings}")
        header_ids = {bytes(e["/ID"]) for e in elements if e.S == "/TH" and "/ID" in e}
        for index, element in enumerate(elements):
            if element.S == "/Table":
                cells = [e for e in _elements_under(element) if e.S in ("/TH", "/TD")]
                if not any(c.S == "/TH" for c in cells):
                    problems.append(f"table {index} has no header cell")
            if element.S == "/TD":
                attributes = element.get("/A")
                headers = (
                    attributes.get("/Headers")
                    if isinstance(attributes, pikepdf.Dictionary)
                    else None
                )
                if not headers or any(bytes(h) not in header_ids for h in headers):
                    problems.append(f"data cell {index} is not linked to its header cells")
        figures = [_text_of(e) for e in elements if e.S == "/Figure"]
        if len(figures) != len(html.images):
            problems.append(f"{len(figures)} figures for the HTML's {len(html.images)} images")
        if any(not alt.strip() for alt in figures):
            problems.append("a figure without alternative text")
        for page_number, page in enumerate(pdf.pages, start=1):
            for name, font in (page.Resources.get("/Font") or {}).items():
                if not _embedded(font):
                    problems.append(f"page {page_number}: font {name} is not embedded")
    return problems


def _elements_under(element: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    found: list[pikepdf.Dictionary] = []
    stack = [element.get("/K")]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack += list(node)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            found.append(node)
            stack.append(node.get("/K"))
    return found


def _embedded(font: pikepdf.Object) -> bool:
    descendants = font.get("/DescendantFonts")
    if descendants is not None:
        return all(_embedded(d) for d in descendants)
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:  # a Type 3 font draws its glyphs in the file itself
        return font.get("/Subtype") == "/Type3"
    return any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def reading_order_problems(path: Path, html: _Html) -> list[str]:
    """Layer 3: the HTML's words in the order `pdftotext -raw` reads them."""
    if PDFTOTEXT is None:
        return ["pdftotext is not installed (make pdf-deps installs poppler-utils)"]
    text = subprocess.run(  # noqa: S603 - fixed arguments
        [PDFTOTEXT, "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    # A word broken over two lines by hyphenation would read as two: join them first.
    pdf_words = _words(re.sub(r"(\w)-\n(\w)", r"\1\2", text))
    position = 0
    for count, word in enumerate(html.words):
        try:
            position = pdf_words.index(word, position) + 1
        except ValueError:
            before = " ".join(html.words[max(0, count - 8) : count])
            return [f"reading order: {word!r} after “{before}” is not found in that order"]
    return []


def pdf_ua_problems(path: Path, html: str) -> list[str]:
    """All three layers for the PDF at `path`, made from `html`."""
    parsed = parse_html(html)
    return [
        *checker_problems(path),
        *structure_problems(path, parsed),
        *reading_order_problems(path, parsed),
    ]
