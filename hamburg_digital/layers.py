"""The one list of the portal's own apps and the layer each stands in, lowest first.

Everything that must know every app reads it: INSTALLED_APPS (settings), the layer test, the
permission matrix, the rule-table and rooms tests, and `make lint`'s type check
(`python -m hamburg_digital.layers` prints the packages to check). A package with an `apps.py`
that is not named here makes tests/test_architecture.py fail.

An app may import the apps of lower layers, never of its own layer or a higher one; the apps of
one layer are siblings that know nothing of each other (what a search or a dashboard needs of
them, they offer through registries the higher layer reads). This module imports nothing of the
project, so settings can read it before Django is set up.
"""

from __future__ import annotations

import sys

# Lowest first; each tuple is one layer, its apps siblings.
LAYERS: tuple[tuple[str, ...], ...] = (
    # audit trail, security log, audiences, dates, money, rules machinery, help and glossary
    ("core",),
    # who: authorities, organisations, people, accounts, digitalisation officers; beside it,
    # the portal in Leichte Sprache and German Sign Language (BITV 2.0 § 4), which needs
    # nothing but core (its texts, videos and sign-offs name accounts only by AUTH_USER_MODEL)
    ("contacts", "inclusion"),
    # where: the seven Digital Spaces and their memberships
    ("spaces",),
    # what and how much: projects, milestones, budget lines, cost rates
    ("projects",),
    # guests by invitation into a space or a project
    ("access",),
    # the outbox: notices, mails, digests, preferences
    ("notifications",),
    # personal API tokens: keyed hashes, scopes and expiry fixed at creation, last use
    ("tokens",),
    # the city's identity provider: sign-in by OpenID Connect, its groups as roles (ITD's table)
    ("identity",),
    # the city's identity management creates, changes and deactivates accounts and groups (SCIM)
    ("provisioning",),
    # collaboration and reporting, built side by side on the layers below
    ("discussions", "meetings", "documents", "reports"),
    # the strategy above the projects: goals, measures, indicators, reporting rounds (its round
    # report goes through the reports archive, its reminders through the outbox)
    ("strategy",),
    # one search over what the apps below offer; open data for the Transparenzportal (DCAT-AP.de)
    ("search", "opendata"),
    # the REST API at /api/v1/ over the same scopes, rules and services as the pages
    ("api",),
    # the start page, the dashboards and the cockpit: reads every app
    ("portal",),
)

# The configuration package (settings, urls, Celery): may import every app, is imported by none.
CONFIG = "hamburg_digital"

APPS: tuple[str, ...] = tuple(app for layer in LAYERS for app in layer)

# What `make lint` type-checks besides the apps: plain scripts (no __init__.py) and the tests.
TYPED_EXTRAS: tuple[str, ...] = (CONFIG, "scripts", "bench", "tests", "manage.py")


def layer_of(app: str) -> int:
    """The app's layer, 0 for core; the configuration package stands above every app."""
    for number, layer in enumerate(LAYERS):
        if app in layer:
            return number
    if app == CONFIG:
        return len(LAYERS)
    raise KeyError(f"{app!r} is not an app of the portal (hamburg_digital/layers.py)")


def may_use(user: str, used: str) -> bool:
    """May `user` (an app or the configuration package) import, link to or include `used`?"""
    return user in (used, CONFIG) or layer_of(used) < layer_of(user)


def siblings(app: str) -> tuple[str, ...]:
    """The other apps of `app`'s layer."""
    return tuple(other for other in LAYERS[layer_of(app)] if other != app)


if __name__ == "__main__":  # `make lint`: the packages mypy checks, one line
    sys.stdout.write(" ".join((*APPS, *TYPED_EXTRAS)) + "\n")
