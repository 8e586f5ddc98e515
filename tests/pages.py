"""Reading rendered pages in tests: the cells of a table, by their column headers.

A row is checked cell by cell, so a value that appears elsewhere on the page (in a link, an
e-mail address, another row) cannot make an assertion pass by accident.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []  # table -> row -> cell text
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str, index: int = 0) -> list[dict[str, str]]:
    """The body rows of the page's `index`-th table as {column header: cell text}; the text is
    stripped of tags and its whitespace collapsed."""
    parser = _TableParser()
    parser.feed(html)
    parser.close()
    header, *rows = parser.tables[index]
    for row in rows:
        assert len(row) == len(header), f"a row with {len(row)} cells under {header}"
    return [dict(zip(header, row, strict=True)) for row in rows]


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def text_of(response) -> str:
    """The visible text of a response's page, whitespace collapsed (no markup, no scripts)."""
    parser = _TextParser()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.parts).split())
