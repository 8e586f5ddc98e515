"""The HTML checker the browser suite uses finds what it should: an error is named with its line,
a valid page has none (so an empty list from the suite means the pages are valid)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

VALID = (
    '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Seite</title></head>'
    '<body><main><h1>Seite</h1><time datetime="2026-12-06T10:00:00.123+01:00">6. Dezember'
    "</time></main></body></html>"
)


def test_a_valid_page_has_no_error(html_checker):
    assert html_checker(VALID) == []


def test_the_checker_names_an_invalid_time_and_a_duplicate_id(html_checker):
    page = VALID.replace(".123+", ".123456+").replace("<h1>", '<h1 id="a"><span id="a"></span>')
    errors = html_checker(page)
    assert len(errors) == 2, errors
    assert any("fraction of a second" in e for e in errors), errors
    assert any("Duplicate ID" in e for e in errors), errors
    assert all(e.startswith("line 1: ") for e in errors), errors
