"""Proving figures: amounts read off rendered pages and files, and the same amounts summed in
SQL straight from the budget-line table.

The sums here are written as raw SQL on purpose: they share nothing with `projects.selectors.
money` (no summary table, no ORM aggregate, no `Figures`), so a page that shows a wrong figure
cannot agree with its check by reusing the same mistake.

Sections and rows are found by their `id` or `data-` attributes; a helper that looks for one
raises when it is missing (naming it and the response's status), so a renamed id or a 403 page
fails the test instead of letting a "not in" assertion pass on nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

from django.db import connection

from projects.models import (
    BudgetLine,
    CostCategory,
    FiscalYear,
    FundingSource,
    ProgrammeBudget,
    Project,
)

AMOUNTS = ("planned", "revised", "committed", "actual")
FIGURES = (*AMOUNTS, "available")

# --- Sums in SQL --------------------------------------------------------------------------------


def line_sums(
    group: str | None = None,
    where: str = "TRUE",
    params: Sequence[Any] = (),
    *,
    having: str = "",
) -> dict[Any, dict[str, Decimal]]:
    """{group value: {planned, revised, committed, actual, available}} over the budget lines.

    `group` and `where` are SQL over the aliases l (line), p (project), y (fiscal year) and
    s (funding source), c (cost category); `having` filters the groups; without `group` the
    one key is None. Available = revised − committed −
    actual, as the portal defines it.
    """
    line, project = BudgetLine._meta.db_table, Project._meta.db_table
    year, source = FiscalYear._meta.db_table, FundingSource._meta.db_table
    category = CostCategory._meta.db_table
    key = group or "NULL"
    sums = ", ".join(f"COALESCE(SUM(l.{name}), 0)" for name in AMOUNTS)
    sql = (
        f"SELECT {key}, {sums} "  # noqa: S608 - table names and the test's own SQL
        f'FROM "{line}" l JOIN "{project}" p ON p.id = l.project_id '
        f'JOIN "{year}" y ON y.id = l.fiscal_year_id '
        f'JOIN "{source}" s ON s.id = l.funding_source_id '
        f'JOIN "{category}" c ON c.id = l.category_id '
        f"WHERE {where}"
        + (f" GROUP BY {group}" if group else "")
        + (f" HAVING {having}" if having else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        found = {}
        for row in cursor.fetchall():
            planned, revised, committed, actual = (Decimal(v) for v in row[1:])
            found[row[0]] = {
                "planned": planned,
                "revised": revised,
                "committed": committed,
                "actual": actual,
                "available": revised - committed - actual,
            }
    return found


def total(where: str = "TRUE", params: Sequence[Any] = ()) -> dict[str, Decimal]:
    return line_sums(None, where, params)[None]


def programme_budget() -> Decimal:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT amount FROM "{ProgrammeBudget._meta.db_table}" ORDER BY id LIMIT 1'  # noqa: S608
        )
        return Decimal(cursor.fetchone()[0])


# --- Amounts in the language's notation ---------------------------------------------------------

_NOTATION = {
    # 1.234,56 € (no-break space before the sign); −1.234,56 € with a real minus.
    "de": re.compile(r"^(?P<sign>\u2212?)(?P<whole>\d{1,3}(?:\.\d{3})*),(?P<cents>\d{2})\u00a0€$"),
    # €1,234.56; −€1,234.56.
    "en": re.compile(r"^(?P<sign>\u2212?)€(?P<whole>\d{1,3}(?:,\d{3})*)\.(?P<cents>\d{2})$"),
}
_SCREEN_READER_WORD = {"de": "negativ", "en": "negative"}


def amount(text: str, language: str = "de", *, spoken: bool = True) -> Decimal:
    """'1.234,56 €' -> Decimal('1234.56') (German), '€1,234.56' (English); anything else raises.

    On a page (`spoken`), a negative amount must carry both the minus sign and the word screen
    readers read ("negativ"); in a PDF or an e-mail, the minus sign alone."""
    text = " ".join(text.replace("\u00a0", "\0").split()).replace("\0", "\u00a0")
    word = _SCREEN_READER_WORD[language]
    said = spoken and text.startswith(word + " ")
    if said:
        text = text[len(word) + 1 :]
    found = _NOTATION[language].match(text)
    assert found, f"not an amount in {language} notation: {text!r}"
    negative = bool(found["sign"])
    if spoken:
        assert negative == said, f"the minus sign and the word {word!r} disagree: {text!r}"
    whole = re.sub(r"\D", "", found["whole"])
    value = Decimal(f"{whole}.{found['cents']}")
    return -value if negative else value


AMOUNT_ANYWHERE = re.compile(r"\u2212?\d{1,3}(?:\.\d{3})*,\d{2}[ \u00a0]€")  # German


def amounts_in(text: str) -> list[Decimal]:
    """Every amount in German notation in a stretch of text (a line of a PDF), in order."""
    return [
        amount(found.replace(" €", "\u00a0€"), spoken=False)
        for found in AMOUNT_ANYWHERE.findall(text)
    ]


# --- Pages as a tree ----------------------------------------------------------------------------

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Node | str] = []

    def text(self) -> str:
        """The text inside, its whitespace collapsed (no-break spaces kept)."""
        parts: list[str] = []

        def walk(node: Node) -> None:
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                else:
                    walk(child)

        walk(self)
        text = "".join(parts).replace("\u00a0", "\0")
        return " ".join(text.split()).replace("\0", "\u00a0")

    def iter(self) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str | bool) -> list[Node]:
        """Descendants with this tag and these attributes (`data_year="2026"` stands for
        data-year; True: the attribute is present with any value)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}

        def matches(node: Node) -> bool:
            if tag and node.tag != tag:
                return False
            for name, value in wanted.items():
                if name not in node.attrs:
                    return False
                if value is not True and node.attrs[name] != value:
                    return False
            return True

        return [node for node in self.iter() if matches(node)]

    def one(self, tag: str | None = None, **attrs: str | bool) -> Node:
        """The one descendant so described; raises naming it when there is none or several."""
        found = self.find_all(tag, **attrs)
        described = _described(tag, attrs)
        assert found, f"no {described} in this part of the page"
        assert len(found) == 1, f"{len(found)} elements {described}, expected one"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching open element; a stray end tag closes nothing.
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def tree(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def page(response: Any) -> Node:
    """The response's page as a tree; the response must be a 200 page."""
    assert response.status_code == 200, f"the page answered {response.status_code}, not 200"
    return tree(response.content.decode())


def _described(tag: str | None, attrs: dict[str, str | bool]) -> str:
    """<section aria-labelledby="cockpit-over">: the element as the page would spell it."""
    named = [
        name.replace("_", "-") if value is True else f'{name.replace("_", "-")}="{value}"'
        for name, value in attrs.items()
    ]
    return f"<{' '.join([tag or '*', *named])}>"


def section(response: Any, tag: str | None = None, **attrs: str | bool) -> Node:
    """The one element of the response's page so described (e.g. `id="cockpit-over"`); raises
    naming it and the response's status when it is missing."""
    found = tree(response.content.decode()).find_all(tag, **attrs)
    assert len(found) == 1, (
        f"{len(found)} elements {_described(tag, attrs)} on the page "
        f"(status {response.status_code}), expected one"
    )
    return found[0]


def figures_of(row: Node, language: str = "de") -> dict[str, Decimal]:
    """{planned, revised, committed, actual, available} from a row's `data-figure` cells."""
    found = {}
    for name in FIGURES:
        found[name] = amount(row.one(data_figure=name).text(), language)
    return found
