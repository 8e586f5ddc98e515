"""Every URL the project defines x every role -> expected status (DESIGN.md access matrix).

A new URL without a row here fails `test_every_project_url_has_a_row`.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from spaces.models import Membership

from .conftest import ROLES, client_for

PROJECT_APPS = ("core.", "contacts.", "spaces.", "projects.", "access.", "portal.")

LOGIN = 302  # anonymous visitors are sent to the sign-in page
# A row that does not name "guest_ended" (a guest whose access ended) expects what "anonymous"
# gets: such a guest is signed out at the next request (test_permission_matrix applies it).
ROW_ROLES = tuple(r for r in ROLES if r != "guest_ended")
EVERYONE = dict.fromkeys(ROW_ROLES, 200)
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

# Invitations are invisible (404) to everyone but ITD and the space's coordinators.
INVITATION_MANAGERS = {
    **dict.fromkeys(ROW_ROLES, 404),
    "itd": 200,
    "coordinator": 200,
    "anonymous": LOGIN,
}

PROJECT_INVITERS = {
    **dict.fromkeys(ROW_ROLES, 403),
    "itd": 200,
    "guest": 404,
    "outsider": 404,
    "anonymous": LOGIN,
}

# Issue 3: projects. Own people of a restricted project see it and its budget; only ITD, the
# coordinator of its space and the officer of its lead authority edit it; invisible -> 404.
BUDGET_READERS = {**EVERYONE, "anonymous": 404}
PROJECT_CREATORS = {**MANAGERS, "officer": 200}
PROJECT_EDITORS = {
    "itd": 200,
    "coordinator": 200,
    "officer": 200,
    "member": 403,
    "guest": 404,
    "outsider": 404,
    "anonymous": LOGIN,
}
ITD_ONLY = {**dict.fromkeys(ROW_ROLES, 403), "itd": 200, "anonymous": LOGIN}

# url name -> (kwargs builder name, expected status per role)
MATRIX: dict[str, tuple[str | None, dict[str, int]]] = {
    "portal:home": (None, EVERYONE),
    "portal:dashboard": (None, SIGNED_IN),
    "core:healthz": (None, EVERYONE),
    "spaces:list": (None, EVERYONE),
    "spaces:detail": ("space", EVERYONE),
    "spaces:member_add": ("space", MANAGERS),
    "spaces:member_role": ("membership", MANAGERS),
    "spaces:member_end": ("membership", MANAGERS),
    "contacts:authority_list": (None, SIGNED_IN),
    "spaces:authority_detail": ("authority", SIGNED_IN),
    "spaces:people": (None, SIGNED_IN),
    "spaces:matrix": (None, MANAGERS),
    "admin:index": (None, {**dict.fromkeys(ROW_ROLES, 302), "itd": 200}),
    # Issue 4 (sign-in): the admin signs in through allauth (MFA, lock-out): visitors are sent
    # there, ITD on to the admin, everyone else signed in is refused.
    "admin:login": (None, {**dict.fromkeys(ROW_ROLES, 403), "itd": 302, "anonymous": 302}),
    "access:account_security": (None, SIGNED_IN),
    "admin:password_change": (None, dict.fromkeys(ROW_ROLES, 302)),
    # Issue 4: invitations, personal data, legal pages.
    "access:invitation_accept": (
        "invitation_token",
        {**dict.fromkeys(ROW_ROLES, 403), "anonymous": 200},
    ),
    "access:invitation_list": (
        None,
        {**dict.fromkeys(ROW_ROLES, 403), "itd": 200, "anonymous": LOGIN},
    ),
    "access:invitation_space_list": ("space", MANAGERS),
    "access:invitation_space_create": ("space", MANAGERS),
    # Guests into a single (here: restricted) project: ITD only; invisible -> 404.
    "access:invitation_project_list": ("project", PROJECT_INVITERS),
    "access:invitation_project_create": ("project", PROJECT_INVITERS),
    "access:invitation_resend": ("invitation", INVITATION_MANAGERS),
    "access:invitation_revoke": ("invitation", INVITATION_MANAGERS),
    "access:invitation_extend": ("invitation", INVITATION_MANAGERS),
    "access:invitation_end_access": ("invitation", INVITATION_MANAGERS),
    "contacts:my_profile": (None, SIGNED_IN),
    "contacts:my_data": (None, SIGNED_IN),
    "contacts:my_data_export": (None, SIGNED_IN),
    "contacts:my_data_delete": (None, SIGNED_IN),
    "core:privacy": (None, EVERYONE),
    "core:legal_notice": (None, EVERYONE),
    "core:accessibility": (None, EVERYONE),
    "core:terms": (None, EVERYONE),
    # Issue 3: projects and budgets. The project of the rows is restricted, in `space` and led
    # by the officer's authority: ITD and its own people see it, guests and other staff not.
    "projects:list": (None, EVERYONE),
    "projects:export": ("csv", EVERYONE),
    "projects:budget_export": ("csv", {**SIGNED_IN, "outsider": 403, "guest": 403}),
    "projects:create": (None, PROJECT_CREATORS),
    "projects:cost_rates": (None, ITD_ONLY),
    "projects:programme_budget": (None, ITD_ONLY),
    "projects:detail": ("project", {**BUDGET_READERS, "guest": 404, "outsider": 404}),
    "projects:edit": ("project", PROJECT_EDITORS),
    "projects:delete": ("project", PROJECT_EDITORS),
    "projects:milestones": ("project", PROJECT_EDITORS),
    "projects:milestone_delete": ("milestone", PROJECT_EDITORS),
    "projects:link_delete": ("link", PROJECT_EDITORS),
    "projects:budget": ("project", {**PROJECT_EDITORS, "coordinator": 403}),
    "projects:budget_line_delete": ("budget_line", {**PROJECT_EDITORS, "coordinator": 403}),
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
def url_kwargs(space, authority, member, coordinator):
    from .factories import make_invitation

    membership = Membership.objects.get(person__user=member, space=space)
    invitation, token = make_invitation(space=space, invited_by=coordinator)
    return {
        "invitation": {"pk": invitation.pk},
        "invitation_token": {"token": token},
        "space": {"slug": space.slug},
        "membership": {"slug": space.slug, "pk": membership.pk},
        "authority": {"code": authority.code},
        **_project_kwargs(space, authority),
    }


def _project_kwargs(space, authority) -> dict:
    from projects.models import Milestone, ProjectLink

    from .factories import ProjectFactory, budget_line

    project = ProjectFactory.create(
        slug="matrix-projekt",
        primary_space=space,
        lead_authority=authority,
        visibility="restricted",
    )
    line = budget_line(project, 2026, planned=1000)
    milestone = Milestone.objects.create(project=project, title="Start", due="2026-03-01")
    link = ProjectLink.objects.create(project=project, title="Web", url="https://example.org")
    slug = project.slug
    return {
        "csv": {"fmt": "csv"},
        "project": {"slug": slug},
        "milestone": {"slug": slug, "pk": milestone.pk},
        "link": {"slug": slug, "pk": link.pk},
        "budget_line": {"slug": slug, "pk": line.pk},
    }


# Roles that must use a second factor and have not enrolled (security audit, finding 1): they
# reach the enrolment and sign-out, nothing else, the admin included.
UNENROLLED = ("itd_unenrolled", "coordinator_unenrolled")
ENROLMENT = "/accounts/2fa/totp/activate/"
OPEN_BEFORE_ENROLMENT = {"core:healthz"}


@pytest.fixture
def unenrolled(db, space, itd_authority):
    from .factories import MembershipFactory, PersonFactory

    itd = PersonFactory(
        user__email="itd.ohne.faktor@test.example.org",
        user__is_itd_staff=True,
        user__is_staff=True,
        user__is_superuser=True,
        authority=itd_authority,
    ).user
    coordinator = PersonFactory(user__email="koord.ohne.faktor@test.example.org").user
    MembershipFactory(person=coordinator.person, space=space, role=Membership.Role.COORDINATOR)
    return {"itd_unenrolled": itd, "coordinator_unenrolled": coordinator}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(name, role, all_roles, url_kwargs):
    builder, expected = MATRIX[name]
    if role == "guest_ended" and role not in expected:
        expected = {**expected, role: expected["anonymous"]}
    url = reverse(name, kwargs=url_kwargs[builder] if builder else None)
    response = client_for(all_roles[role]).get(url)
    assert response.status_code == expected[role], f"{role} GET {url}"


def _admin_urls() -> list[str]:
    """Every admin page: the index, each model's list, add and change page (for one row)."""
    from django.contrib import admin

    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[row.pk]))
    return urls


@pytest.mark.parametrize("role", UNENROLLED)
def test_without_second_factor_only_enrolment_and_sign_out_are_reachable(
    role, unenrolled, all_roles, url_kwargs
):
    from allauth.mfa.models import Authenticator

    user = unenrolled[role]
    client = client_for(user, enrol=False)
    assert not Authenticator.objects.filter(user=user).exists()
    urls = [
        reverse(name, kwargs=url_kwargs[builder] if builder else None)
        for name, (builder, _expected) in MATRIX.items()
        if name not in OPEN_BEFORE_ENROLMENT
    ]
    # all_roles enrolled the other ITD account: its authenticator row has an admin change page.
    assert Authenticator.objects.filter(user=all_roles["itd"]).exists()
    urls += _admin_urls()
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, f"{role} {method.upper()} {url}"
            assert response["Location"] == ENROLMENT, f"{role} {method.upper()} {url}"
    assert client.get(reverse("core:healthz")).status_code == 200
    # Sign-out stays open.
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("spaces:detail", {"slug": "gibt-es-nicht"}),
        ("spaces:member_add", {"slug": "gibt-es-nicht"}),
        ("spaces:member_end", {"slug": "mobilitaet-energie", "pk": 999999}),
        ("spaces:authority_detail", {"code": "GIBT-ES-NICHT"}),
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
