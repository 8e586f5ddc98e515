"""The layout's fixed parts are rendered once per process (base.html's {% cache %} blocks): each
person, language and address still gets exactly the navigation and footer it got before."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.urls import reverse

from portal.context_processors import current_sections

from .conftest import client_for


def _nav(html: str) -> str:
    match = re.search(r'<nav class="portal-nav".*?</nav>', html, re.S)
    assert match, "no main navigation"
    return match.group(0)


def _current(html: str) -> list[str]:
    """The labels of the navigation entries marked as the current page."""
    return re.findall(r'aria-current="page">([^<]+)</a>', _nav(html))


@pytest.mark.parametrize(
    ("path", "sections"),
    [
        ("/", ("home",)),
        ("/dashboard/", ("dashboard",)),
        ("/meetings/mine/", ("meetings",)),
        ("/spaces/urbanes-leben/", ("spaces",)),
        ("/spaces/urbanes-leben/projects/x/", ("spaces", "projects")),
        ("/projects/", ("projects",)),
        ("/strategy/goals/1/", ("strategy",)),
        ("/search/", ("search",)),
        ("/search/?q=x", ("search",)),
        ("/contacts/people/", ("people",)),
        ("/contacts/authorities/7/", ("authorities",)),
        ("/contacts/matrix/", ("matrix",)),
        ("/reports/3/", ("reports",)),
        ("/contacts/invitations/", ("invitations",)),
        ("/legal-notice/", ()),
        ("/xspaces/", ()),
    ],
)
def test_the_current_sections_of_an_address(path, sections):
    assert current_sections(path.split("?")[0]) == sections


@pytest.mark.parametrize("path", ["/", "/projects/", "/legal-notice/"])
def test_each_role_gets_its_own_layout_from_the_same_process(path, all_roles):
    """Every role's header and footer with the fragments rendered afresh equal those read from
    fragments another role's request left behind."""
    clients = {role: client_for(user) for role, user in all_roles.items() if role != "guest_ended"}

    def layout(client) -> str:
        html = client.get(path).content.decode()
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        return html[: html.index('<main id="main"')] + html[html.index("</main>") :]

    fresh = {}
    for role, client in clients.items():
        caches["template_fragments"].clear()
        fresh[role] = layout(client)
    for role, client in [*clients.items(), *reversed(clients.items())]:
        assert layout(client) == fresh[role], role
    assert reverse("admin:index") in fresh["itd"]
    assert reverse("admin:index") not in fresh["coordinator"]


def test_the_current_entry_follows_the_address_not_the_first_page_cached(itd):
    client = client_for(itd)
    assert _current(client.get(reverse("projects:list")).content.decode()) == ["Projekte"]
    assert _current(client.get(reverse("spaces:list")).content.decode()) == ["Digitale Räume"]
    assert _current(client.get(reverse("core:legal_notice")).content.decode()) == []
    assert _current(client.get(reverse("projects:list")).content.decode()) == ["Projekte"]


def test_the_navigation_and_footer_follow_the_language(member):
    client = client_for(member)
    german = client.get(reverse("projects:list")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("projects:list")).content.decode()
    assert "Projekte" in _current(german) and "Projects" in _current(english)
    assert "Impressum" in german and "Legal notice" in english
    assert 'lang="en"' in english and "selected" in english


def test_anonymous_visitors_get_no_signed_in_entries_after_a_signed_in_page(member, client):
    client_for(member).get(reverse("core:legal_notice"))
    html = client.get(reverse("core:legal_notice")).content.decode()
    assert reverse("dashboard") not in _nav(html)
    assert reverse("contacts:my_data") not in html
