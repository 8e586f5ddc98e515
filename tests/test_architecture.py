"""The house stays layered and its views thin: these tests read the source.

- Layers import one way only (LAYERS, lowest first); a lower layer that must react to a higher
  one offers a hook (a registry it reads), never an import upwards.
- No import hides in a function to dodge a circle: the only function-level imports of the
  project's own modules are in an AppConfig's `ready()` (models are loaded only then) or carry a
  comment that names the reason ("Imported here: ...").
- Views stay thin: no view function above 40 lines (ruff's C901 keeps complexity at 10).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. The configuration package may import every app (urls, settings, Celery).
LAYERS = [
    "core",
    "contacts",
    "spaces",
    "projects",
    "access",
    "notifications",
    "discussions",
    "meetings",
    "documents",
    "search",
    "reports",
    "portal",
]
CONFIG = "hamburg_digital"
FIRST_PARTY = {*LAYERS, CONFIG}
MAX_VIEW_LINES = 40


def _modules() -> list[Path]:
    files = []
    for package in (*LAYERS, CONFIG):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                files.append(path)
    return files


def _imports(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    """(line, first-party top-level package) for every import in the module."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [package] if node.level else [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in FIRST_PARTY:
                found.append((node.lineno, top))
    return found


def _layer(package: str) -> int:
    return LAYERS.index(package) if package in LAYERS else len(LAYERS)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_go_down_the_layers_only(path):
    package = path.relative_to(ROOT).parts[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    upward = [
        f"line {line}: imports {target}"
        for line, target in _imports(tree, package)
        if package != CONFIG and _layer(target) > _layer(package)
    ]
    assert not upward, f"{path.relative_to(ROOT)} imports a higher layer: {upward}"


Scope = ast.FunctionDef | ast.AsyncFunctionDef


def _function_level_imports(tree: ast.AST) -> list[tuple[Scope, ast.Import | ast.ImportFrom]]:
    found = []
    for func in ast.walk(tree):
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(func):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    found.append((func, node))
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_hides_in_a_function_without_a_reason(path):
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    package = path.relative_to(ROOT).parts[0]
    hidden = []
    for func, node in _function_level_imports(ast.parse(source)):
        if not _imports(node, package):
            continue  # a third-party import (e.g. a heavy optional library)
        if path.name == "apps.py" and func.name == "ready":
            continue  # Django loads models before ready(): the place for app wiring
        previous = lines[node.lineno - 2] if node.lineno >= 2 else ""
        if "Imported here" not in previous:
            hidden.append(f"line {node.lineno} in {func.name}()")
    assert not hidden, f"{path.relative_to(ROOT)}: imports inside functions: {hidden}"


def _views() -> list[Path]:
    return [p for p in _modules() if p.name == "views.py"]


@pytest.mark.parametrize("path", _views(), ids=lambda p: str(p.relative_to(ROOT)))
def test_views_are_thin(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [
        f"{node.name}() has {node.end_lineno - node.lineno + 1} lines"
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_VIEW_LINES
    ]
    assert not long, f"{path.relative_to(ROOT)}: {long} (at most {MAX_VIEW_LINES})"


def test_views_open_no_transactions():
    """Transactions belong to services; a view that opens one orchestrates writes itself."""
    offenders = [
        str(p.relative_to(ROOT)) for p in _views() if "transaction.atomic" in p.read_text()
    ]
    assert not offenders


def test_the_layering_test_sees_an_upward_import(tmp_path):
    """The test above can fail: an upward import in a lower layer is found."""
    tree = ast.parse("from projects.models import Project\nfrom . import models\n")
    found = _imports(tree, "contacts")
    assert (1, "projects") in found
    assert _layer("projects") > _layer("contacts")


def test_every_app_has_the_same_rooms():
    """models, permissions, services, views, urls, admin in every domain app."""
    rooms = ("models.py", "permissions.py", "services.py", "views.py", "urls.py", "admin.py")
    missing = [
        f"{app}/{room}"
        for app in ("contacts", "spaces", "projects", "access")
        for room in rooms
        if not (ROOT / app / room).exists()
    ]
    assert not missing
