"""Reference data migrations and demo data."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from contacts.models import Authority, DigitalOfficer, User
from spaces.models import Membership, Space


def _run_migration(app: str, module: str) -> None:
    migration = importlib.import_module(f"{app}.migrations.{module}")
    migration.load(apps, None)


def test_reference_migrations_run_twice_leave_seven_spaces(db):
    assert Space.objects.count() == 7
    authorities = Authority.objects.count()
    _run_migration("spaces", "0002_reference_spaces")
    _run_migration("spaces", "0002_reference_spaces")
    _run_migration("contacts", "0002_reference_authorities")
    assert Space.objects.count() == 7
    assert Authority.objects.count() == authorities == 20
    itd = Authority.objects.get(code="ITD")
    assert itd.parent.code == "SK"
    assert set(Space.objects.values_list("slug", flat=True)) >= {
        "mobilitaet-energie",
        "wissen-bildung",
    }
    assert all(s.description_de and s.description_en for s in Space.objects.all())


def test_seed_demo_refuses_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")


def test_seed_demo_creates_the_demo_accounts_and_runs_twice(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (User.objects.count(), Membership.objects.count(), DigitalOfficer.objects.count())
    call_command("seed_demo")
    assert counts == (
        User.objects.count(),
        Membership.objects.count(),
        DigitalOfficer.objects.count(),
    )

    itd = User.objects.get(email="itd@example.org")
    assert itd.is_itd_staff and itd.check_password(settings.DEMO_PASSWORD)
    coordinator = Membership.objects.active().get(person__user__email="koordination@example.org")
    assert (coordinator.space.slug, coordinator.role) == ("mobilitaet-energie", "coordinator")
    assert (
        DigitalOfficer.objects.active()
        .filter(person__user__email="dv.bvm@example.org", authority__code="BVM")
        .exists()
    )
    assert (
        Membership.objects.active()
        .filter(person__user__email="dv.bvm@example.org", space__slug="mobilitaet-energie")
        .exists()
    )
    member = Membership.objects.active().get(person__user__email="mitglied@example.org")
    assert member.authority.code == "BUKEA"
    guest = Membership.objects.active().get(person__user__email="gast@example.org")
    assert guest.role == "guest" and guest.space.slug == "wissen-bildung" and guest.until
    assert guest.organisation is not None
    assert not Membership.objects.filter(person__user__email="staff@example.org").exists()
    for space in Space.objects.all():
        active = Membership.objects.active().filter(space=space)
        assert active.filter(role="coordinator").exists(), space.slug
        assert active.exclude(role="coordinator").values("authority").distinct().count() >= 2


def test_demo_accounts_sign_in_through_the_login_form(db, settings):
    from django.test import Client

    settings.DEBUG = True
    call_command("seed_demo")  # once for the three (the seed is the slow part)
    for email in ("koordination@example.org", "mitglied@example.org", "gast@example.org"):
        client = Client()
        response = client.post(
            "/accounts/login/", {"login": email, "password": settings.DEMO_PASSWORD}
        )
        assert response.status_code == 302, email
        assert client.session.get("_auth_user_id") == str(User.objects.get(email=email).pk)


def test_make_run_migrates_and_seeds_a_fresh_sqlite_database(tmp_path):
    """What `make run` does on a new machine: every migration on the embedded SQLite, then the
    demo data; the budget summary's triggers are in place afterwards and keep the sums."""
    import os
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    database = tmp_path / "run.sqlite3"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(DATABASE_URL=f"sqlite:///{database}", DEBUG="true", MEDIA_ROOT=str(tmp_path))
    manage = Path(__file__).resolve().parent.parent / "manage.py"
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
        done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, str(manage), *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
    with sqlite3.connect(database) as connection:
        triggers = {
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            )
        }
        assert {
            "projects_budget_summary_insert",
            "projects_budget_summary_update",
            "projects_budget_summary_delete",
            "projects_budget_version_project_moved",
        } <= triggers
        lines = connection.execute(
            "SELECT COUNT(*), SUM(planned) FROM projects_budgetline"
        ).fetchone()
        summed = connection.execute(
            "SELECT SUM(line_count), SUM(planned) FROM projects_budgetsummary"
        ).fetchone()
        assert lines[0] > 0 and lines[0] == summed[0]
        assert round(lines[1], 2) == round(summed[1], 2)  # SQLite sums decimals as floats
