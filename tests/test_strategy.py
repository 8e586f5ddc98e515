"""The strategy (issue 17): the computed status of an indicator at the edges of its path, the
writes and their refusals, a reporting round from opening to the freeze, and a frozen round
that the database itself refuses to change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from core.dates import today
from notifications.kinds import Kind
from notifications.models import Notification
from strategy import progress, services, snapshots
from strategy.models import Indicator, IndicatorValue, Round, Submission, SubmittedValue

from .factories import DigitalOfficerFactory, PersonFactory, ProjectFactory, budget_line
from .factories import strategy_tree as tree

pytestmark = pytest.mark.django_db

D = Decimal
START = dt.date(2025, 1, 1)
END = dt.date(2027, 1, 1)  # 730 days


def _assess(values, *, path=(), up=True, baseline="20", target="80"):
    return progress.assess(
        baseline=progress.Point(START, D(baseline)),
        target=progress.Point(END, D(target)),
        path=[progress.Point(on, D(v)) for on, v in path],
        values=[progress.Point(on, D(v)) for on, v in values],
        higher_is_better=up,
    )


# --- Status, worked by hand ---------------------------------------------------------------------


def test_no_value_after_the_baseline_is_no_data():
    assert _assess([]).status == progress.Status.NO_DATA
    assert _assess([(START, "99")]).status == progress.Status.NO_DATA


def test_a_value_exactly_on_the_path_is_on_track():
    # Halfway (365 of 730 days) the straight path from 20 to 80 stands at 50.
    assessment = _assess([(dt.date(2026, 1, 1), "50")])
    assert assessment.expected == D(50)
    assert assessment.status == progress.Status.ON_TRACK


def test_a_tenth_of_the_way_behind_is_at_risk_and_more_is_off_track():
    # The way is 60 points; a tenth is 6: 44 is at risk (exactly the edge), 43.99 off track.
    on = dt.date(2026, 1, 1)
    assert _assess([(on, "44")]).status == progress.Status.AT_RISK
    assert _assess([(on, "43.99")]).status == progress.Status.OFF_TRACK
    assert _assess([(on, "44")]).shortfall == D("0.1")


def test_the_path_bends_at_its_intermediate_targets():
    # 20 -> 30 in the first year, then 30 -> 80: on 1 Jan 2026 the path stands at 30, not 50.
    path = [(dt.date(2026, 1, 1), "30")]
    assert _assess([(dt.date(2026, 1, 1), "30")], path=path).status == progress.Status.ON_TRACK
    assert _assess([(dt.date(2026, 1, 1), "30")]).status == progress.Status.OFF_TRACK
    # A quarter into the second year: 30 + 50 * 90/365.
    expected = _assess([(dt.date(2026, 4, 1), "0")], path=path).expected
    assert expected == D(30) + D(50) * D(90) / D(365)


def test_lower_is_better_reads_the_other_way():
    # Waiting days 80 -> 20: halfway the path stands at 50; 55 is 5 behind (at risk), 40 ahead.
    on = dt.date(2026, 1, 1)
    down = {"up": False, "baseline": "80", "target": "20"}
    assert _assess([(on, "40")], **down).status == progress.Status.ON_TRACK
    assert _assess([(on, "55")], **down).status == progress.Status.AT_RISK
    assert _assess([(on, "57")], **down).status == progress.Status.OFF_TRACK


def test_after_the_target_date_the_target_itself_counts_and_only_the_latest_value():
    late = dt.date(2027, 6, 1)
    assert _assess([(late, "80")]).status == progress.Status.ON_TRACK
    assert _assess([(late, "79")]).status == progress.Status.AT_RISK
    assert _assess([(dt.date(2026, 1, 1), "90"), (late, "10")]).status == "off_track"


def test_a_target_equal_to_the_baseline_allows_no_shortfall():
    on = dt.date(2026, 1, 1)
    assert _assess([(on, "50")], baseline="50", target="50").status == "on_track"
    assert _assess([(on, "49.9")], baseline="50", target="50").status == "off_track"


def test_the_rollup_weighs_each_indicator_the_same():
    rollup = progress.Rollup()
    for status in ("on_track", "on_track", "at_risk", "no_data"):
        rollup.add(status)
    assert rollup.with_values == 3
    assert rollup.share_on_track == D("66.7")
    assert progress.Rollup().share_on_track is None


# --- Writes and refusals ------------------------------------------------------------------------


def test_coordinators_write_their_spaces_goals_and_others_are_refused(
    itd, coordinator, officer, member, guest, space, other_space
):
    goal = services.goal_create(actor=coordinator, space=space, code="ME-1", title="Ziel")
    assert goal.pk and services.goal_create(actor=itd, space=other_space, code="X", title="Y")
    for refused in (officer, member, guest):
        with pytest.raises(PermissionDenied):
            services.goal_create(actor=refused, space=space, code="ME-2", title="Ziel")
    with pytest.raises(PermissionDenied):
        services.goal_create(actor=coordinator, space=other_space, code="WB-9", title="Ziel")
    with pytest.raises(ValidationError) as taken:
        services.goal_create(actor=coordinator, space=space, code="ME-1", title="Doppelt")
    assert "code" in taken.value.message_dict


def test_an_indicator_needs_a_baseline_and_a_target_after_it(coordinator, space, authority):
    goal, _measure, _ = tree(space=space, authority=authority)
    fields = {"name": "Quote", "unit": "%", "target_value": D(1), "target_on": dt.date(2027, 1, 1)}
    with pytest.raises(ValidationError) as missing:
        services.indicator_create(
            actor=coordinator, goal=goal, baseline_value=None, baseline_on=None, **fields
        )
    assert {"baseline_value", "baseline_on"} <= set(missing.value.message_dict)
    with pytest.raises(ValidationError) as backwards:
        services.indicator_create(
            actor=coordinator,
            goal=goal,
            baseline_value=D(0),
            baseline_on=dt.date(2027, 6, 1),
            **fields,
        )
    assert "target_on" in backwards.value.message_dict
    assert Indicator.objects.filter(name="Quote").count() == 0


def test_officers_enter_values_of_their_measures_only(officer, member, space, authority):
    _goal, measure, (of_goal, of_measure) = tree(space=space, authority=authority)
    on = today() - dt.timedelta(days=1)
    value = services.indicator_value_add(actor=officer, indicator=of_measure, on=on, value=D(41))
    assert value.entered_by == officer
    with pytest.raises(PermissionDenied):
        services.indicator_value_add(actor=officer, indicator=of_goal, on=on, value=D(1))
    with pytest.raises(PermissionDenied):
        services.indicator_value_add(actor=member, indicator=of_measure, on=on, value=D(1))
    with pytest.raises(ValidationError) as twice:
        services.indicator_value_add(actor=officer, indicator=of_measure, on=on, value=D(2))
    assert "on" in twice.value.message_dict
    with pytest.raises(ValidationError):
        services.indicator_value_add(
            actor=officer, indicator=of_measure, on=today() + dt.timedelta(days=1), value=D(2)
        )


# --- A reporting round --------------------------------------------------------------------------


@pytest.fixture
def reporting(itd, coordinator, officer, space, authority):
    project = ProjectFactory(primary_space=space, lead_authority=authority)
    budget_line(project, planned=D("1000.10"), revised=D("1200.00"), actual=D("300.05"))
    goal, measure, indicators = tree(
        space=space, authority=authority, responsible=officer.person, projects=[project]
    )
    round_ = services.round_open(
        actor=itd,
        name="2026/1",
        period_start=today() - dt.timedelta(days=90),
        period_end=today(),
        deadline=today() + dt.timedelta(days=14),
        spaces=[space],
    )
    return round_, measure, indicators


def _report(officer, submission, indicator, *, submit=True, value="45"):
    return services.submission_save(
        actor=officer,
        submission=submission,
        rating="limited",
        light="amber",
        text="Pilot läuft in zwei Bezirken.",
        values=[services.ValueInput(indicator, today() - dt.timedelta(days=2), D(value))],
        submit=submit,
    )


def test_a_round_runs_from_opening_to_the_freeze(itd, coordinator, officer, reporting):
    round_, measure, (_of_goal, of_measure) = reporting
    submission = Submission.objects.get(round=round_, measure=measure)
    assert submission.status == "draft"
    told = Notification.objects.get(recipient=officer, kind=Kind.STRATEGY_ROUND_OPENED)
    assert "2026/1" in told.title
    _report(officer, submission, of_measure)
    assert submission.status == "submitted" and not submission.late
    services.submission_note(actor=coordinator, submission=submission, note="Plausibel.")
    services.submission_return(actor=itd, submission=submission, comment="Bitte Quelle nennen.")
    assert Submission.objects.get(pk=submission.pk).status == "returned"
    assert Notification.objects.filter(recipient=officer, kind=Kind.STRATEGY_RETURNED).exists()
    _report(officer, submission, of_measure, value="46")
    services.submission_accept(actor=itd, submission=submission, itd_rating="substantial")
    assert submission.ratings_differ
    assert IndicatorValue.objects.get(indicator=of_measure).value == D("46")
    frozen = services.round_freeze(actor=itd, round_=round_)
    assert frozen.is_frozen and len(frozen.digest) == 64 and frozen.previous_digest == ""
    reported = frozen.snapshot["spaces"][0]["goals"][0]["measures"][0]
    assert reported["report"]["rating"] == "limited"
    assert reported["report"]["itd_rating"] == "substantial"
    assert reported["budget"] == {
        "planned": "1000.10",
        "revised": "1200.00",
        "committed": "0.00",
        "actual": "300.05",
        "available": "899.95",
    }
    assert reported["indicators"][0]["values"][0][1] == "46.0000"
    assert snapshots.verify_chain() == []


def test_who_may_act_in_a_round(itd, coordinator, officer, member, outsider, reporting):
    round_, measure, (_g, of_measure) = reporting
    submission = Submission.objects.get(round=round_, measure=measure)
    for refused in (itd, coordinator, member, outsider):
        with pytest.raises(PermissionDenied):
            _report(refused, submission, of_measure)
    _report(officer, submission, of_measure)
    for refused in (officer, coordinator, member):
        with pytest.raises(PermissionDenied):
            services.submission_accept(actor=refused, submission=submission)
        with pytest.raises(PermissionDenied):
            services.round_freeze(actor=refused, round_=round_)
    with pytest.raises(PermissionDenied):
        services.submission_note(actor=officer, submission=submission, note="x")
    with pytest.raises(PermissionDenied):
        services.round_open(
            actor=coordinator,
            name="x",
            period_start=today(),
            period_end=today(),
            deadline=today(),
            spaces=[round_.spaces.get()],
        )


def test_a_report_to_submit_needs_rating_light_and_text_and_nothing_is_half_saved(
    officer, reporting
):
    round_, measure, (_g, of_measure) = reporting
    submission = Submission.objects.get(round=round_, measure=measure)
    with pytest.raises(ValidationError) as error:
        services.submission_save(
            actor=officer,
            submission=submission,
            rating="",
            light="",
            text=" ",
            values=[services.ValueInput(of_measure, today() + dt.timedelta(days=3), D(1))],
            submit=True,
        )
    assert {"rating", "light", "text", f"value_{of_measure.pk}"} <= set(error.value.message_dict)
    stored = Submission.objects.get(pk=submission.pk)
    assert (stored.status, stored.text) == ("draft", "")
    assert not SubmittedValue.objects.exists()


def test_a_submission_after_the_deadline_is_taken_and_marked_late(officer, reporting):
    round_, measure, (_g, of_measure) = reporting
    Round.objects.filter(pk=round_.pk).update(deadline=today() - dt.timedelta(days=1))
    submission = Submission.objects.get(round=round_, measure=measure)
    _report(officer, submission, of_measure)
    assert Submission.objects.get(pk=submission.pk).late


def test_a_frozen_round_refuses_every_write_with_the_reason(itd, coordinator, officer, reporting):
    round_, measure, (_g, of_measure) = reporting
    submission = Submission.objects.get(round=round_, measure=measure)
    services.round_freeze(actor=itd, round_=round_)
    submission.refresh_from_db()
    with pytest.raises(PermissionDenied) as refused:
        _report(officer, submission, of_measure)
    assert str(refused.value) == str(services.FROZEN)
    with pytest.raises(PermissionDenied):
        services.round_freeze(actor=itd, round_=round_)
    # A value dated inside the frozen period is refused too: the round reported it.
    with pytest.raises(ValidationError) as closed:
        services.indicator_value_add(
            actor=officer, indicator=of_measure, on=today() - dt.timedelta(days=5), value=D(1)
        )
    assert "2026/1" in str(closed.value)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE strategy_round SET name = 'anders' WHERE id = {round}",
        "UPDATE strategy_round SET status = 'open', frozen_at = NULL WHERE id = {round}",
        "DELETE FROM strategy_round WHERE id = {round}",
        "UPDATE strategy_submission SET text = 'anders' WHERE round_id = {round}",
        "DELETE FROM strategy_submission WHERE round_id = {round}",
        "UPDATE strategy_submittedvalue SET value = 1 WHERE submission_id IN "
        "(SELECT id FROM strategy_submission WHERE round_id = {round})",
        "DELETE FROM strategy_round_spaces WHERE round_id = {round}",
        "INSERT INTO strategy_submission (round_id, measure_id, status, rating, light, text, "
        "late, review_comment, itd_rating, coordinator_note, updated_at) "
        "SELECT {round}, id, 'draft', '', '', '', false, '', '', '', now() "
        "FROM strategy_measure",
    ],
)
def test_the_database_refuses_a_direct_change_of_a_frozen_round(itd, officer, reporting, statement):
    round_, measure, (_g, of_measure) = reporting
    _report(officer, Submission.objects.get(round=round_, measure=measure), of_measure)
    services.round_freeze(actor=itd, round_=round_)
    with (
        pytest.raises(DatabaseError, match="frozen reporting round"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement.format(round=round_.pk))
    assert Round.objects.get(pk=round_.pk).name == "2026/1"


def test_an_open_round_can_still_be_changed_directly(itd, reporting):
    """The positive twin: the trigger refuses only frozen rounds."""
    round_, _measure, _ = reporting
    with connection.cursor() as cursor:
        cursor.execute("UPDATE strategy_round SET name = 'anders' WHERE id = %s", [round_.pk])
    assert Round.objects.get(pk=round_.pk).name == "anders"


def test_each_frozen_round_is_chained_to_the_one_before(itd, reporting, space):
    first, _m, _i = reporting
    services.round_freeze(actor=itd, round_=first)
    second = services.round_open(
        actor=itd,
        name="2026/2",
        period_start=today(),
        period_end=today(),
        deadline=today(),
        spaces=[space],
    )
    second = services.round_freeze(actor=itd, round_=second)
    assert second.previous_digest == Round.objects.get(pk=first.pk).digest
    assert snapshots.verify_chain() == []


def test_reminders_go_to_officers_with_reports_missing_once_a_day(itd, officer, reporting):
    round_, measure, (_g, of_measure) = reporting
    deadline = round_.deadline
    assert services.deadline_reminders(on=deadline - dt.timedelta(days=3)) == 1
    assert services.deadline_reminders(on=deadline - dt.timedelta(days=3)) == 0
    assert services.deadline_reminders(on=deadline - dt.timedelta(days=2)) == 0
    _report(officer, Submission.objects.get(round=round_, measure=measure), of_measure)
    assert services.deadline_reminders(on=deadline) == 0


def test_the_reporters_are_the_lead_authoritys_active_officers(space, authority, officer):
    deputy = PersonFactory(authority=authority)
    DigitalOfficerFactory(person=deputy, authority=authority)
    _goal, measure, _ = tree(space=space, authority=authority, responsible=deputy)
    assert [u.pk for u in services.reporters(measure)] == [deputy.user_id, officer.pk]


def test_the_daily_job_reminds_through_the_task(itd, officer, reporting):
    from strategy.tasks import send_deadline_reminders

    round_, _measure, _ = reporting
    Round.objects.filter(pk=round_.pk).update(deadline=today())
    assert send_deadline_reminders.delay().get() == 1
    assert send_deadline_reminders.delay().get() == 0


def test_a_reported_value_lies_in_the_rounds_period(officer, reporting):
    round_, measure, (_g, of_measure) = reporting
    submission = Submission.objects.get(round=round_, measure=measure)
    before = round_.period_start - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.submission_save(
            actor=officer,
            submission=submission,
            rating="",
            light="",
            text="",
            values=[services.ValueInput(of_measure, before, D(1))],
        )
    assert "außerhalb des Berichtszeitraums" in str(error.value)
    assert not SubmittedValue.objects.exists()


def test_my_data_and_deletion_cover_the_strategy(itd, officer, coordinator, reporting):
    """The officer's reports and values are in their export; deleting them ends their
    responsibility and removes their name from open reports, while a frozen round stays."""
    from contacts.services import user_anonymise
    from core.personal_data import Subject, export

    round_, measure, (_g, of_measure) = reporting
    submission = Submission.objects.get(round=round_, measure=measure)
    name = officer.get_full_name()
    _report(officer, submission, of_measure)
    Submission.objects.filter(pk=submission.pk).update(text=f"Abgestimmt mit {name}.")
    services.indicator_value_add(
        actor=officer, indicator=of_measure, on=today() - dt.timedelta(days=3), value=D(2)
    )
    exported = export(Subject(user=officer, person=officer.person))["strategy"]
    assert any("report_submitted" in row for row in exported)
    assert any("indicator_value" in row for row in exported)
    assert any("responsible_for_measure" in row for row in exported)

    other = services.round_open(
        actor=itd,
        name="Eingefroren",
        period_start=today() - dt.timedelta(days=300),
        period_end=today() - dt.timedelta(days=280),
        deadline=today() - dt.timedelta(days=270),
        spaces=[measure.goal.space],
    )
    frozen_submission = Submission.objects.get(round=other, measure=measure)
    Submission.objects.filter(pk=frozen_submission.pk).update(text=f"Bericht von {name}")
    services.round_freeze(actor=itd, round_=other)

    user_anonymise(actor=officer, user=officer, reason="request")
    assert name not in Submission.objects.get(pk=submission.pk).text
    measure.refresh_from_db()
    assert measure.responsible is None
    # The record of the frozen round stays as it was reported.
    assert Submission.objects.get(pk=frozen_submission.pk).text == f"Bericht von {name}"
    assert snapshots.verify_chain() == []
