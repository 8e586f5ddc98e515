"""The reporting round as a state machine (hypothesis's stateful testing): whatever sequence of
actions by whichever role, no action outside a role's rule changes anything, a report moves
only along draft -> submitted -> returned/accepted, and once the round is frozen nothing about
it changes again, neither through the services nor by a direct UPDATE from the portal's own
database user.

Each example runs inside a savepoint that is rolled back at its end (a frozen round cannot be
deleted, by design; the rollback undoes it without asking the trigger)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from contacts.models import Authority, User
from contacts.permissions import forget_cached_facts
from core.dates import today
from strategy import services
from strategy.models import Round, Submission, SubmittedValue
from strategy.permissions import GLOBAL, ROUND, SUBMISSION

from .factories import DigitalOfficerFactory, PersonFactory, strategy_tree

pytestmark = pytest.mark.django_db(transaction=False)

ROLES = ("itd", "coordinator", "officer", "member", "other_officer")
ALLOWED: dict[str, set[str]] = {
    Submission.Status.DRAFT: {Submission.Status.DRAFT, Submission.Status.SUBMITTED},
    Submission.Status.SUBMITTED: {Submission.Status.RETURNED, Submission.Status.ACCEPTED},
    Submission.Status.RETURNED: {Submission.Status.RETURNED, Submission.Status.SUBMITTED},
    Submission.Status.ACCEPTED: set(),
}


def _fingerprint(round_id: int) -> str:
    """Everything stored about the round: its row, its reports and their values."""
    rows: list[Any] = list(
        Round.objects.filter(pk=round_id).values_list(
            "name", "status", "frozen_at", "digest", "snapshot"
        )
    )
    rows += list(
        Submission.objects.filter(round_id=round_id)
        .order_by("pk")
        .values_list(
            "pk",
            "status",
            "rating",
            "light",
            "text",
            "itd_rating",
            "review_comment",
            "coordinator_note",
            "late",
            "updated_at",
        )
    )
    rows += list(
        SubmittedValue.objects.filter(submission__round_id=round_id)
        .order_by("pk")
        .values_list("pk", "indicator_id", "on", "value")
    )
    return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()


@pytest.fixture
def people(itd, coordinator, officer, member, space, authority):
    other = Authority.objects.get(code="FB")
    other_officer = PersonFactory(authority=other)
    DigitalOfficerFactory(person=other_officer, authority=other)
    return {
        "itd": itd,
        "coordinator": coordinator,
        "officer": officer,
        "member": member,
        "other_officer": other_officer.user,
        "space": space,
        "authorities": (authority, other),
    }


def test_no_sequence_of_actions_breaks_a_round(people):
    class RoundMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.savepoint = transaction.savepoint()
            space, (mine, theirs) = people["space"], people["authorities"]
            self.measures, self.indicators = [], []
            for lead in (mine, theirs):
                _goal, measure, (_g, indicator) = strategy_tree(space=space, authority=lead)
                self.measures.append(measure)
                self.indicators.append(indicator)
            self.round = services.round_open(
                actor=people["itd"],
                name="Runde",
                period_start=today() - dt.timedelta(days=30),
                period_end=today(),
                deadline=today() + dt.timedelta(days=7),
                spaces=[space],
            )
            self.frozen_print: str | None = None
            self.statuses = self._statuses()

        def teardown(self) -> None:
            transaction.savepoint_rollback(self.savepoint)

        def _statuses(self) -> dict[int, str]:
            return dict(Submission.objects.filter(round=self.round).values_list("pk", "status"))

        def _user(self, role: str) -> User:
            user = User.objects.get(pk=people[role].pk)
            forget_cached_facts(user)
            return user

        def _submission(self, index: int) -> Submission:
            return Submission.objects.select_related("round", "measure").get(
                round=self.round, measure=self.measures[index]
            )

        def _act(self, allowed: bool, call: Any, *, on_this_round: bool = True) -> None:
            """Run `call`; a refused role must be refused and change nothing."""
            before = _fingerprint(self.round.pk)
            try:
                with transaction.atomic():
                    call()
            except PermissionDenied:
                assert _fingerprint(self.round.pk) == before
                assert not allowed or self.frozen_print is not None, "an allowed role refused"
                return
            except ValidationError:
                assert _fingerprint(self.round.pk) == before, "a refused input left traces"
                return
            assert allowed, "a role acted outside its rule"
            assert not on_this_round or self.frozen_print is None, "a frozen round took it"

        @rule(role=st.sampled_from(ROLES), index=st.integers(0, 1), submit=st.booleans())
        def save(self, role: str, index: int, submit: bool) -> None:
            user, submission = self._user(role), self._submission(index)
            allowed = SUBMISSION.can(user, "write", submission)
            self._act(
                allowed,
                lambda: services.submission_save(
                    actor=user,
                    submission=submission,
                    rating="limited",
                    light="amber",
                    text="Stand",
                    values=[
                        services.ValueInput(
                            self.indicators[index], today() - dt.timedelta(days=1), Decimal(41)
                        )
                    ],
                    submit=submit,
                ),
            )

        @rule(role=st.sampled_from(ROLES), index=st.integers(0, 1))
        def note(self, role: str, index: int) -> None:
            user, submission = self._user(role), self._submission(index)
            allowed = SUBMISSION.can(user, "note", submission)
            self._act(
                allowed,
                lambda: services.submission_note(actor=user, submission=submission, note="ok"),
            )

        @rule(role=st.sampled_from(ROLES), index=st.integers(0, 1), accept=st.booleans())
        def review(self, role: str, index: int, accept: bool) -> None:
            user, submission = self._user(role), self._submission(index)
            allowed = SUBMISSION.can(user, "review", submission)
            if accept:
                call: Any = lambda: services.submission_accept(  # noqa: E731
                    actor=user, submission=submission, itd_rating="substantial"
                )
            else:
                call = lambda: services.submission_return(  # noqa: E731
                    actor=user, submission=submission, comment="Bitte ergänzen"
                )
            self._act(allowed, call)

        @rule(role=st.sampled_from(ROLES))
        def freeze(self, role: str) -> None:
            user = self._user(role)
            round_ = Round.objects.get(pk=self.round.pk)
            allowed = ROUND.can(user, "manage", round_)
            self._act(allowed, lambda: services.round_freeze(actor=user, round_=round_))
            if Round.objects.get(pk=self.round.pk).is_frozen and self.frozen_print is None:
                self.frozen_print = _fingerprint(self.round.pk)

        @rule(role=st.sampled_from(ROLES))
        def open_another(self, role: str) -> None:
            """Opening a round is ITD's; it never touches this one."""
            user = self._user(role)
            self._act(
                GLOBAL.can(user, "open_round"),
                lambda: services.round_open(
                    actor=user,
                    name=f"Weitere {Round.objects.count()}",
                    period_start=today(),
                    period_end=today(),
                    deadline=today(),
                    spaces=[people["space"]],
                ),
                on_this_round=False,
            )

        @rule(
            statement=st.sampled_from(
                [
                    "UPDATE strategy_round SET name = 'x' WHERE id = %s",
                    "UPDATE strategy_submission SET text = 'x' WHERE round_id = %s",
                    "DELETE FROM strategy_submission WHERE round_id = %s",
                ]
            )
        )
        def direct_update(self, statement: str) -> None:
            """Straight SQL from the portal's own user: refused once the round is frozen."""
            if self.frozen_print is None:
                return
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
                c.execute(statement, [self.round.pk])

        @invariant()
        def reports_move_only_forward(self) -> None:
            now = self._statuses()
            for pk, status in now.items():
                assert status in ALLOWED[self.statuses[pk]] | {self.statuses[pk]}, (
                    self.statuses[pk],
                    status,
                )
            self.statuses = now

        @invariant()
        def a_frozen_round_never_changes(self) -> None:
            if self.frozen_print is not None:
                assert _fingerprint(self.round.pk) == self.frozen_print

    run_state_machine_as_test(
        RoundMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            derandomize=True,
        ),
    )
