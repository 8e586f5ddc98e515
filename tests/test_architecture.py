"""The house stays layered and its views thin: these tests read the source.

- Every app is named once, with its layer, in hamburg_digital/layers.py; a package with an
  `apps.py` that is not there fails here.
- Layers import one way only, lowest first; the apps of one layer are siblings and import none
  of each other. The same holds at run time: a URL name in `reverse()` or `{% url %}` and a
  template `{% include %}`/`{% extends %}` name only the app's own layer or lower ones. A lower
  layer that must react to a higher one offers a hook (a registry it reads), never a reference
  upwards.
- No import hides in a function to dodge a circle: the only function-level imports of the
  project's own modules are in an AppConfig's `ready()` (models are loaded only then) or carry a
  comment that names the reason ("Imported here: ...").
- Views stay thin: no view function above 40 lines (ruff's C901 keeps complexity at 10).
- Every app has the same rooms.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from hamburg_digital.layers import APPS, CONFIG, LAYERS, layer_of, may_use

ROOT = Path(__file__).resolve().parent.parent
FIRST_PARTY = {*APPS, CONFIG}
MAX_VIEW_LINES = 40


def _modules() -> list[Path]:
    files = []
    for package in (*APPS, CONFIG):
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


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_go_down_the_layers_only(path):
    package = path.relative_to(ROOT).parts[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    upward = [
        f"line {line}: imports {target}"
        for line, target in _imports(tree, package)
        if not may_use(package, target)
    ]
    assert not upward, f"{path.relative_to(ROOT)} imports its own layer or a higher one: {upward}"


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
    assert not may_use("contacts", "projects")


# --- One list of apps ----------------------------------------------------------------------------


def test_every_package_with_an_app_config_is_in_the_one_list():
    """An app added to INSTALLED_APPS by hand, or a package with an apps.py nobody listed, would
    be invisible to the layer test, the permission matrix and the type check."""
    packages = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert packages - set(APPS) == set(), "apps.py without a place in hamburg_digital/layers.py"
    assert set(APPS) - packages == set(), "hamburg_digital/layers.py names a package without apps"


def test_settings_install_exactly_the_listed_apps():
    from django.apps import apps

    first_party = [c.name for c in apps.get_app_configs() if c.name.split(".")[0] in FIRST_PARTY]
    assert sorted(first_party) == sorted(APPS)


def test_siblings_may_not_use_each_other():
    """discussions, meetings, documents and reports stand side by side: none may name another."""
    (siblings,) = (layer for layer in LAYERS if "discussions" in layer)
    assert {"meetings", "documents", "reports"} <= set(siblings)
    assert not may_use("discussions", "documents")
    assert not may_use("reports", "meetings")
    assert may_use("search", "documents")
    assert may_use(CONFIG, "portal")
    with pytest.raises(KeyError):
        layer_of("unlisted")


# --- Names used at run time: URL names and templates ----------------------------------------------


def _namespaces() -> dict[str, str]:
    """URL namespace -> the app whose urls.py declares it."""
    found = {}
    for app in APPS:
        urls = ROOT / app / "urls.py"
        if urls.exists():
            match = re.search(r"^app_name\s*=\s*[\"'](\w+)[\"']", urls.read_text(), re.M)
            if match:
                found[match.group(1)] = app
    return found


NAMESPACES = _namespaces()
URL_NAME = re.compile(r"""["'](\w+):[\w-]+["']""")
TEMPLATE_TAG = re.compile(r"""{%\s*(?:include|extends)\s+["']([^"']+)["']""")
URL_TAG = re.compile(r"""{%\s*url\s+["'](\w+):[\w-]+["']""")


def _template_owner(name: str) -> str:
    """templates/<app>/... belong to that app; the frame (base.html, error pages, partials/,
    allauth's pages) belongs to the configuration: any app may extend or include it."""
    top = name.split("/")[0]
    return top if top in APPS else CONFIG


def _url_names_used_upwards(package: str, source: str) -> list[str]:
    return [
        f"{match.group(0)} ({NAMESPACES[match.group(1)]})"
        for match in URL_NAME.finditer(source)
        if match.group(1) in NAMESPACES and not may_use(package, NAMESPACES[match.group(1)])
    ]


def _template_names_used_upwards(package: str, source: str) -> list[str]:
    used = [
        f"{{% url {m.group(1)}:… %}}"
        for m in URL_TAG.finditer(source)
        if m.group(1) in NAMESPACES and not may_use(package, NAMESPACES[m.group(1)])
    ]
    used += [
        f"template {m.group(1)}"
        for m in TEMPLATE_TAG.finditer(source)
        if _template_owner(m.group(1)) != CONFIG
        and not may_use(package, _template_owner(m.group(1)))
    ]
    return used


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_code_names_no_url_or_template_of_a_higher_layer(path):
    package = path.relative_to(ROOT).parts[0]
    source = path.read_text(encoding="utf-8")
    upward = _url_names_used_upwards(package, source)
    upward += [
        f"template {name}"
        for name in re.findall(r"""["']((?:\w+/)+[\w.-]+\.html)["']""", source)
        if _template_owner(name) != CONFIG and not may_use(package, _template_owner(name))
    ]
    assert not upward, f"{path.relative_to(ROOT)} names a higher layer at run time: {upward}"


def _templates() -> list[Path]:
    return sorted((ROOT / "templates").rglob("*.html"))


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_name_no_url_or_template_of_a_higher_layer(path):
    owner = _template_owner(str(path.relative_to(ROOT / "templates")))
    upward = _template_names_used_upwards(owner, path.read_text(encoding="utf-8"))
    assert not upward, f"{path.relative_to(ROOT)} ({owner}) names a higher layer: {upward}"


def test_the_run_time_check_sees_an_upward_name():
    """The two tests above can fail."""
    assert _url_names_used_upwards("projects", 'reverse("reports:archive")')
    assert _template_names_used_upwards("spaces", "{% url 'access:invite' space.slug %}")
    assert _template_names_used_upwards("meetings", '{% include "documents/partials/x.html" %}')
    assert not _template_names_used_upwards("projects", '{% include "partials/form.html" %}')
    assert not _url_names_used_upwards("portal", 'reverse("projects:detail")')


# --- The same rooms in every app ------------------------------------------------------------------

ROOMS = (
    "models.py",
    "permissions.py",
    "services.py",
    "selectors.py",
    "forms.py",
    "views.py",
    "urls.py",
    "admin.py",
    "privacy.py",
)
# Rooms an app leaves out on purpose (a room may also be a package: projects/selectors/).
WITHOUT = {
    # core's own records (audit trail, security log) are read through the admin and the apps'
    # pages, not a page of their own: no selectors.
    "core": {"selectors.py"},
    # The search stores nothing: it reads what the apps below offer through their selectors.
    "search": {"models.py", "permissions.py", "services.py", "admin.py", "privacy.py"},
    # The API stores nothing and writes through the apps' services: its rules are the apps'
    # rule tables, its inputs serializers (api/serializers.py), not forms.
    "api": {"models.py", "services.py", "forms.py", "admin.py", "privacy.py"},
    # SCIM reads and writes JSON for a machine, not forms for people: its input is checked by
    # provisioning/scim.py, its reads are django-scim2's views over the app's own models.
    "provisioning": {"forms.py", "selectors.py"},
    # The start page and dashboards store nothing: they read every app's selectors. Their two
    # addresses belong to the frame (hamburg_digital/urls.py), so every layer may link to them.
    "portal": {
        "models.py",
        "permissions.py",
        "services.py",
        "forms.py",
        "urls.py",
        "admin.py",
        "privacy.py",
    },
}


def _has_room(app: str, room: str) -> bool:
    return (ROOT / app / room).exists() or (ROOT / app / room.removesuffix(".py")).is_dir()


@pytest.mark.parametrize("app", APPS)
def test_every_app_has_the_same_rooms(app):
    missing = [r for r in ROOMS if r not in WITHOUT.get(app, set()) and not _has_room(app, r)]
    assert not missing, f"{app} lacks {missing} (or say why in WITHOUT)"
    stale = [r for r in WITHOUT.get(app, set()) if _has_room(app, r)]
    assert not stale, f"{app} has {stale} now: take it off WITHOUT"
