"""The data of `make bench` (bench/run_bench.py): the four roles' accounts it signs in with, what
the remaining pages show, and --append, which doubles the data for the second measurement
without touching the accounts (their sessions stay signed in)."""

from __future__ import annotations

from django.core.management import call_command

from access.permissions import has_active_access, mfa_required
from contacts.models import Person, User
from discussions.models import Post
from meetings.models import Meeting
from notifications.models import Notification
from projects.models import BudgetLine, Project
from spaces.models import Membership
from strategy.models import Goal

SIZES = ("--projects", "6", "--lines", "30", "--people", "60", "--audit", "20", "--force")


def _roles() -> dict[str, User]:
    return {
        role: User.objects.get(email=f"bench.{role}@example.org")
        for role in ("itd", "officer", "member", "guest")
    }


def test_the_bench_signs_in_as_four_roles_and_appending_doubles_the_data(db):
    call_command("generate_benchmark_data", *SIZES)
    call_command("generate_search_data", "--posts", "40", "--force")
    call_command("generate_page_data", "--force", "--meetings", "4", "--notices", "5")
    users = _roles()
    assert users["itd"].is_itd_staff
    assert mfa_required(users["officer"]) and not mfa_required(users["member"])
    guest = Person.objects.get(user=users["guest"])
    assert guest.authority_id is None and guest.organisation_id is not None
    assert Membership.objects.active().get(person=guest).role == Membership.Role.GUEST
    assert has_active_access(users["guest"]) and not mfa_required(users["guest"])
    assert User.objects.filter(email__startswith="bench.load.guest").count() == 4
    # Every load account is in the largest space like its role's bench account.
    load = Membership.objects.active().filter(person__user__email__startswith="bench.load.")
    assert load.count() == 12  # officers, members, guests (ITD needs no membership)
    assert {m.space_id for m in load} == {Membership.objects.get(person=guest).space_id}
    assert Goal.objects.exists() and Meeting.objects.count() == 4
    assert Notification.objects.filter(recipient__in=users.values()).count() == 20

    call_command("generate_benchmark_data", *SIZES, "--append")
    call_command("generate_search_data", "--posts", "40", "--force", "--append")
    assert Project.objects.filter(slug__startswith="bench-").count() == 12
    assert BudgetLine.objects.count() == 60
    assert User.objects.filter(email__startswith="bench.person").count() == 120
    assert Post.objects.count() == 80
    assert _roles() == users  # the same accounts: the bench's sessions stay valid
