"""Every URL the project defines x every role -> expected status (DESIGN.md access matrix).

A new URL without a row here fails `test_every_project_url_has_a_row`.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from spaces.models import Membership

from .conftest import ROLES, client_for

PROJECT_APPS = ("core.", "contacts.", "spaces.", "projects.")

LOGIN = 302  # anonymous visitors are sent to the sign-in page
EVERYONE = dict.fromkeys(ROLES, 200)
SIGNED_IN = {**EVERYONE, "anonymous": LOGIN}
MANAGERS = {
    "itd": 200,
    "coordinator": 200,
    "officer": 403,
    "member": 403,
    "guest": 403,
    "outsider": 403,
    "anonymous": LOGIN,
}

# url name -> (kwargs builder name, expected status per role)
MATRIX: dict[str, tuple[str | None, dict[str, int]]] = {
    "home": (None, EVERYONE),
    "dashboard": (None, SIGNED_IN),
    "healthz": (None, EVERYONE),
    "spaces:list": (None, EVERYONE),
    "spaces:detail": ("space", EVERYONE),
    "spaces:member_add": ("space", MANAGERS),
    "spaces:member_role": ("membership", MANAGERS),
    "spaces:member_end": ("membership", MANAGERS),
    "contacts:authority_list": (None, SIGNED_IN),
    "contacts:authority_detail": ("authority", SIGNED_IN),
    "contacts:people": (None, SIGNED_IN),
    "contacts:matrix": (None, MANAGERS),
    "admin:index": (None, {**dict.fromkeys(ROLES, 302), "itd": 200}),
}


def _project_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                module = getattr(p.callback, "__module__", "")
                if module.startswith(PROJECT_APPS):
                    names.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_project_url_has_a_row():
    missing = _project_url_names() - set(MATRIX)
    assert not missing, f"URLs without a row in the permission matrix: {sorted(missing)}"


@pytest.fixture
def url_kwargs(space, authority, member):
    membership = Membership.objects.get(person__user=member, space=space)
    return {
        "space": {"slug": space.slug},
        "membership": {"slug": space.slug, "pk": membership.pk},
        "authority": {"code": authority.code},
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(name, role, all_roles, url_kwargs):
    builder, expected = MATRIX[name]
    url = reverse(name, kwargs=url_kwargs[builder] if builder else None)
    response = client_for(all_roles[role]).get(url)
    assert response.status_code == expected[role], f"{role} GET {url}"


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("spaces:detail", {"slug": "gibt-es-nicht"}),
        ("spaces:member_add", {"slug": "gibt-es-nicht"}),
        ("spaces:member_end", {"slug": "mobilitaet-energie", "pk": 999999}),
        ("contacts:authority_detail", {"code": "GIBT-ES-NICHT"}),
    ],
)
def test_unknown_objects_answer_404(name, kwargs, itd):
    response = client_for(itd).get(reverse(name, kwargs=kwargs))
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.content.decode()


def test_coordinator_cannot_manage_a_membership_of_another_space(coordinator, guest, other_space):
    membership = Membership.objects.get(person__user=guest)
    url = reverse("spaces:member_end", kwargs={"slug": other_space.slug, "pk": membership.pk})
    assert client_for(coordinator).post(url).status_code == 403
    membership.refresh_from_db()
    assert membership.ended_at is None


def test_membership_of_another_space_is_not_found_under_this_space(itd, guest, space):
    membership = Membership.objects.get(person__user=guest)
    url = reverse("spaces:member_end", kwargs={"slug": space.slug, "pk": membership.pk})
    assert client_for(itd).get(url).status_code == 404


def test_coordinator_cannot_end_another_coordinator(coordinator, space):
    from .factories import MembershipFactory

    other = MembershipFactory(space=space, role=Membership.Role.COORDINATOR)
    url = reverse("spaces:member_end", kwargs={"slug": space.slug, "pk": other.pk})
    assert client_for(coordinator).post(url).status_code == 403
    other.refresh_from_db()
    assert other.ended_at is None
