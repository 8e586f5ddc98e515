"""Habits the type checker cannot enforce by itself in the modules it checks leniently: every
parameter that holds a user (`user`, `actor`, `viewer`) or a request is annotated, and not with
Any (core.audiences names the user types: Viewer, Actor; SignedInRequest for signed-in views)."""

from __future__ import annotations

import ast
from pathlib import Path

from hamburg_digital.layers import APPS, CONFIG

ROOT = Path(__file__).resolve().parent.parent
# Every app of the house (a new layer is checked without being added here), and the rest.
PACKAGES = (*APPS, CONFIG, "scripts", "bench", "tests")
TYPED_NAMES = {"user", "actor", "viewer", "request"}


def _sources() -> list[Path]:
    files = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    return sorted(p for p in files if "migrations" not in p.parts)


def _untyped(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        arguments = node.args
        for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            if arg.arg not in TYPED_NAMES:
                continue
            annotation = ast.unparse(arg.annotation) if arg.annotation else None
            if annotation in (None, "Any", "typing.Any"):
                where = path.relative_to(ROOT)
                found.append(f"{where}:{node.lineno} {node.name}({arg.arg}: {annotation})")
    return found


def test_the_sources_are_found():
    assert len(_sources()) > 100


def test_every_user_and_request_parameter_is_typed():
    untyped = [entry for path in _sources() for entry in _untyped(path)]
    assert not untyped, "annotate these (core.audiences: Viewer, Actor):\n" + "\n".join(untyped)
