"""The strategy's pages: the overview, a space's tree, goals, measures and indicators with
their forms; the reporting rounds, a report with its review, the freeze and the comparison."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.audiences import SignedInRequest
from core.dates import today
from core.flows import handle_form
from core.forms import posted
from reports.models import Report
from reports.models import Status as ReportStatus
from spaces.models import Space

from . import compare, exchange, progress, selectors, services
from .forms import (
    FreezeForm,
    GoalForm,
    IndicatorForm,
    MeasureForm,
    NoteForm,
    ReportForm,
    ReviewForm,
    RoundForm,
    RoundImportForm,
    RoundReportForm,
    ValueForm,
    path_text,
)
from .models import Goal, Indicator, Measure, Round, Submission
from .permissions import (
    GLOBAL,
    GOAL,
    INDICATOR,
    MEASURE,
    ROUND,
    SUBMISSION,
    may_read_space,
    may_write_space,
)

FORM = "strategy/strategy_form.html"


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _space(request: HttpRequest, slug: str, *, write: bool = False) -> Space:
    """The space is public; reading its strategy is an action (403), writing one more."""
    space = get_object_or_404(Space.objects.visible_to(request.user), slug=slug)
    _require(may_read_space(request.user, space))
    if write:
        _require(may_write_space(request.user, space))
    return space


def _scoped(request: HttpRequest, queryset: Any, pk: int, table: Any, action: str) -> Any:
    """Invisible: 404; visible, but the action is not the person's: 403."""
    obj = get_object_or_404(queryset.visible_to(request.user), pk=pk)
    if action != "view":
        _require(table.can(request.user, action, obj))
    return obj


def _goal(request: HttpRequest, pk: int, action: str = "view") -> Goal:
    return _scoped(request, Goal.objects.select_related("space"), pk, GOAL, action)


def _measure(request: HttpRequest, pk: int, action: str = "view") -> Measure:
    queryset = Measure.objects.select_related("goal__space", "lead_authority", "responsible__user")
    return _scoped(request, queryset, pk, MEASURE, action)


def _indicator(request: HttpRequest, pk: int, action: str = "view") -> Indicator:
    queryset = Indicator.objects.select_related("goal__space", "measure")
    return _scoped(request, queryset, pk, INDICATOR, action)


# --- The tree ----------------------------------------------------------------------------------


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    _require(GLOBAL.can(request.user, "view_strategy"))
    context = {
        "trees": selectors.overview(request.user),
        "may_view_rounds": GLOBAL.can(request.user, "view_rounds"),
        "my_reports": list(selectors.my_open_reports(request.user)[:20]),
        "rule": progress.RULE,
    }
    return render(request, "strategy/strategy_index.html", context)


@login_required
@require_safe
def space_strategy(request: HttpRequest, slug: str) -> HttpResponse:
    space = _space(request, slug)
    context = {
        "space": space,
        "tree": selectors.space_tree(request.user, space),
        "may_write": may_write_space(request.user, space),
        "rule": progress.RULE,
    }
    return render(request, "strategy/space_strategy.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def goal_create(request: SignedInRequest, slug: str) -> HttpResponse:
    space = _space(request, slug, write=True)
    return handle_form(
        request,
        GoalForm(posted(request)),
        save=lambda data: services.goal_create(actor=request.user, space=space, **data),
        success=lambda goal: goal.get_absolute_url(),
        message=_("Das Ziel ist angelegt."),
        template=FORM,
        context={"title": _("Ziel anlegen"), "space": space, "back": _space_url(space)},
    )


def _space_url(space: Space) -> str:
    return reverse("strategy:space", args=[space.slug])


@login_required
@require_safe
def goal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    goal = _goal(request, pk)
    context = {
        "goal": goal,
        "space": goal.space,
        "row": selectors.goal_row(goal),
        "may_write": GOAL.can(request.user, "edit", goal),
        "rule": progress.RULE,
    }
    return render(request, "strategy/goal_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    goal = _goal(request, pk, "edit")
    initial = {"code": goal.code, "title": goal.title, "description": goal.description}
    return handle_form(
        request,
        GoalForm(posted(request), initial=initial),
        save=lambda data: services.goal_update(actor=request.user, goal=goal, **data),
        success=lambda goal: goal.get_absolute_url(),
        message=_("Das Ziel ist geändert."),
        template=FORM,
        context={
            "title": _("Ziel bearbeiten"),
            "space": goal.space,
            "back": goal.get_absolute_url(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def measure_create(request: SignedInRequest, pk: int) -> HttpResponse:
    goal = _goal(request, pk, "edit")
    form = MeasureForm(posted(request), viewer=request.user, space=goal.space)
    return handle_form(
        request,
        form,
        save=lambda data: services.measure_create(actor=request.user, goal=goal, **data),
        success=lambda measure: measure.get_absolute_url(),
        message=_("Die Maßnahme ist angelegt."),
        template=FORM,
        context={
            "title": _("Maßnahme anlegen"),
            "space": goal.space,
            "back": goal.get_absolute_url(),
        },
    )


@login_required
@require_safe
def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _measure(request, pk)
    context = {
        "measure": measure,
        "goal": measure.goal,
        "space": measure.goal.space,
        "projects": selectors.measure_projects(request.user, measure),
        "budget": selectors.measure_budget(request.user, measure),
        "indicators": selectors.measure_indicators(measure),
        "reports": list(selectors.measure_reports(request.user, measure)),
        "may_write": MEASURE.can(request.user, "edit", measure),
        "rule": progress.RULE,
    }
    return render(request, "strategy/measure_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def measure_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    measure = _measure(request, pk, "edit")
    initial = {
        "code": measure.code,
        "title": measure.title,
        "description": measure.description,
        "lead_authority": measure.lead_authority,
        "responsible": measure.responsible,
        "starts_on": measure.starts_on,
        "ends_on": measure.ends_on,
        "projects": list(measure.projects.all()),
    }
    form = MeasureForm(
        posted(request), initial=initial, viewer=request.user, space=measure.goal.space
    )
    return handle_form(
        request,
        form,
        save=lambda data: services.measure_update(actor=request.user, measure=measure, **data),
        success=lambda measure: measure.get_absolute_url(),
        message=_("Die Maßnahme ist geändert."),
        template=FORM,
        context={
            "title": _("Maßnahme bearbeiten"),
            "space": measure.goal.space,
            "back": measure.get_absolute_url(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_create(request: SignedInRequest, pk: int) -> HttpResponse:
    goal = _goal(request, pk, "edit")
    initial = {"direction": "up", "measure": request.GET.get("measure")}
    return handle_form(
        request,
        IndicatorForm(posted(request), initial=initial, goal=goal),
        save=lambda data: services.indicator_create(actor=request.user, goal=goal, **data),
        success=lambda indicator: indicator.get_absolute_url(),
        message=_("Die Kennzahl ist angelegt."),
        template=FORM,
        context={
            "title": _("Kennzahl anlegen"),
            "space": goal.space,
            "back": goal.get_absolute_url(),
        },
    )


@login_required
@require_safe
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = _indicator(request, pk)
    row = selectors.IndicatorRow(indicator, selectors.assessment(indicator))
    may_enter = INDICATOR.can(request.user, "enter_value", indicator)
    context = {
        "indicator": indicator,
        "goal": indicator.goal,
        "space": indicator.goal.space,
        "row": row,
        "values": list(indicator.values.select_related("entered_by").order_by("-on", "-pk")),
        "path": list(indicator.path.all()),
        "may_write": INDICATOR.can(request.user, "edit", indicator),
        "value_form": ValueForm() if may_enter else None,
        "chart": selectors.chart(indicator, row),
        "rule": progress.RULE,
    }
    return render(request, "strategy/indicator_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    indicator = _indicator(request, pk, "edit")
    fields = ("name", "unit", "direction", "baseline_value", "baseline_on")
    initial = {name: getattr(indicator, name) for name in fields}
    initial.update(
        target_value=indicator.target_value,
        target_on=indicator.target_on,
        source=indicator.source,
        path=path_text(indicator),
    )
    form = IndicatorForm(posted(request), initial=initial, goal=indicator.goal, editing=True)

    return handle_form(
        request,
        form,
        save=lambda data: services.indicator_update(
            actor=request.user, indicator=indicator, **data
        ),
        success=lambda indicator: indicator.get_absolute_url(),
        message=_("Die Kennzahl ist geändert."),
        template=FORM,
        context={
            "title": _("Kennzahl bearbeiten"),
            "space": indicator.goal.space,
            "back": indicator.get_absolute_url(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def value_add(request: SignedInRequest, pk: int) -> HttpResponse:
    indicator = _indicator(request, pk, "enter_value")
    return handle_form(
        request,
        ValueForm(posted(request)),
        save=lambda data: services.indicator_value_add(
            actor=request.user, indicator=indicator, **data
        ),
        success=lambda _value: indicator.get_absolute_url(),
        message=_("Der Wert ist erfasst."),
        template=FORM,
        context={
            "title": _("Wert erfassen: %(name)s") % {"name": indicator.name},
            "space": indicator.goal.space,
            "back": indicator.get_absolute_url(),
        },
    )


# --- Rounds ------------------------------------------------------------------------------------


def _round(request: HttpRequest, pk: int, action: str = "view") -> Round:
    return _scoped(request, Round.objects.all(), pk, ROUND, action)


@login_required
@require_safe
def round_list(request: HttpRequest) -> HttpResponse:
    _require(GLOBAL.can(request.user, "view_rounds"))
    context = {
        "rounds": list(selectors.rounds(request.user)),
        "may_open": GLOBAL.can(request.user, "open_round"),
    }
    return render(request, "strategy/round_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def round_open(request: SignedInRequest) -> HttpResponse:
    _require(GLOBAL.can(request.user, "open_round"))
    return handle_form(
        request,
        RoundForm(posted(request)),
        save=lambda data: services.round_open(actor=request.user, **data),
        success=lambda round_: round_.get_absolute_url(),
        message=lambda round_: (
            _(
                "Die Berichtsrunde ist eröffnet: %(n)s Meldungen werden erwartet; die "
                "Verantwortlichen sind benachrichtigt."
            )
            % {"n": round_.submissions.count()}
        ),
        template=FORM,
        context={"title": _("Berichtsrunde eröffnen"), "back": _rounds_url()},
    )


def _rounds_url() -> str:
    return reverse("strategy:rounds")


@login_required
@require_safe
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    submissions = selectors.round_submissions(request.user, round_)
    others = [r for r in selectors.rounds(request.user) if r.pk != round_.pk]
    context = {
        "round": round_,
        "submissions": submissions,
        "overdue": selectors.overdue(submissions, round_, today()),
        "may_manage": ROUND.can(request.user, "manage", round_) and not round_.is_frozen,
        "may_compare": ROUND.can(request.user, "manage", round_),
        "may_deliver": ROUND.can(request.user, "deliver", round_),
        "others": others,
        "report_form": _round_report_form(request, round_),
        "round_reports": list(selectors.round_reports(request.user, round_)[:10]),
    }
    return render(request, "strategy/round_detail.html", context)


def _report_requested(report: Report) -> str:
    # Without a broker (make run) the report is written before this page answers.
    if Report.objects.filter(pk=report.pk, status=ReportStatus.READY).exists():
        return _("Der Rundenbericht ist fertig.")
    return _("Der Rundenbericht ist angefordert. Sie werden benachrichtigt, sobald er fertig ist.")


def _round_report_form(request: HttpRequest, round_: Round) -> RoundReportForm | None:
    options = selectors.round_report_scopes(request.user, round_)
    return RoundReportForm(options=options) if options else None


@login_required
@require_http_methods(["GET", "POST"])
def round_report(request: SignedInRequest, pk: int) -> HttpResponse:
    """Request the round report (PDF or XLSX) into the report archive; on to its page there,
    where its progress shows."""
    round_ = _round(request, pk, "request_report")
    options = selectors.round_report_scopes(request.user, round_)
    return handle_form(
        request,
        RoundReportForm(posted(request), options=options),
        save=lambda data: services.round_report_request(actor=request.user, round_=round_, **data),
        success=lambda report: reverse("reports:detail", args=[report.pk]),
        message=_report_requested,
        template="strategy/round_report.html",
        context={"round": round_},
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_freeze(request: SignedInRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk, "manage")
    if round_.is_frozen:
        return render(request, "403.html", {"reason": services.FROZEN}, status=403)
    return handle_form(
        request,
        FreezeForm(posted(request)),
        save=lambda _data: services.round_freeze(actor=request.user, round_=round_),
        success=lambda frozen: frozen.get_absolute_url(),
        message=_("Die Berichtsrunde ist eingefroren."),
        template="strategy/round_freeze.html",
        context={"round": round_, "submissions": selectors.round_submissions(request.user, round_)},
    )


@login_required
@require_safe
def round_compare(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    others = [r for r in selectors.rounds(request.user) if r.pk != round_.pk]
    chosen = request.GET.get("with", "")
    other = next((r for r in others if str(r.pk) == chosen), None)
    if other is None and others:
        # Without a choice: the round before this one (by period), else the first other.
        before = [r for r in others if r.period_end <= round_.period_end]
        other = before[0] if before else others[0]
    # Only ITD compares the whole tree: the comparison shows every measure's reports.
    _require(ROUND.can(request.user, "manage", round_))
    context: dict[str, Any] = {"round": round_, "other": other, "others": others}
    if other is not None:
        earlier, later = sorted([other, round_], key=lambda r: (r.period_end, r.pk))
        context.update(earlier=earlier, later=later, spaces=compare.compare(earlier, later))
    return render(request, "strategy/round_compare.html", context)


@login_required
@require_safe
def round_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's reports the viewer sees, as the CSV that the import reads back."""
    round_ = _round(request, pk)
    response = HttpResponse(
        exchange.round_csv(round_, request.user).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
    )
    name = slugify(round_.name) or "berichtsrunde"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def round_import(request: SignedInRequest, pk: int) -> HttpResponse:
    """An officer delivers the figures of their reports as the round's CSV, all or nothing."""
    round_ = _round(request, pk)
    if round_.is_frozen:
        return render(request, "403.html", {"reason": services.FROZEN}, status=403)
    _require(ROUND.can(request.user, "deliver", round_))

    def save(data: dict[str, Any]) -> exchange.ImportResult:
        result = exchange.round_csv_import(
            actor=request.user, round_=round_, content=data["file"], submit=data["submit"]
        )
        if result.errors:
            raise ValidationError({"file": result.errors})
        return result

    return handle_form(
        request,
        RoundImportForm(posted(request), request.FILES or None),
        save=save,
        success=lambda _result: round_.get_absolute_url(),
        message=lambda result: (
            _("Die Datei ist übernommen: %(reports)s Meldungen, %(values)s Werte.")
            % {"reports": result.reports, "values": result.values}
        ),
        template="strategy/round_import.html",
        context={"round": round_},
    )


# --- One report --------------------------------------------------------------------------------


def _submission(request: HttpRequest, pk: int, action: str = "view") -> Submission:
    queryset = Submission.objects.select_related(
        "round", "measure__goal__space", "measure__lead_authority", "measure__responsible"
    )
    return _scoped(request, queryset, pk, SUBMISSION, action)


def _report_form(request: HttpRequest, submission: Submission) -> ReportForm:
    indicators = list(submission.measure.indicators.order_by("name", "pk"))
    reported = {v.indicator_id: v for v in submission.reported_values.all()}
    initial: dict[str, Any] = {
        "rating": submission.rating,
        "light": submission.light,
        "text": submission.text,
    }
    for indicator in indicators:
        value = reported.get(indicator.pk)
        if value is not None:
            initial.update(
                {
                    f"value_{indicator.pk}": value.value,
                    f"on_{indicator.pk}": value.on,
                    f"comment_{indicator.pk}": value.comment,
                }
            )
    return ReportForm(posted(request), initial=initial, indicators=indicators)


def _submission_context(request: HttpRequest, submission: Submission) -> dict[str, Any]:
    """What the report page shows besides the officer's form: the reported values, and the
    coordinator's note and ITD's review where they are the viewer's to give."""
    user = request.user
    may_review = SUBMISSION.can(user, "review", submission)
    return {
        "submission": submission,
        "round": submission.round,
        "measure": submission.measure,
        "values": list(submission.reported_values.select_related("indicator")),
        "note_form": NoteForm(initial={"note": submission.coordinator_note})
        if SUBMISSION.can(user, "note", submission)
        else None,
        "review_form": ReviewForm(initial={"itd_rating": submission.itd_rating})
        if may_review and submission.status == Submission.Status.SUBMITTED
        else None,
    }


def _save_report(request: SignedInRequest, submission: Submission, form: ReportForm) -> Any:
    def save(_data: dict[str, Any]) -> Submission:
        data = form.cleaned_data
        return services.submission_save(
            actor=request.user,
            submission=submission,
            rating=data["rating"],
            light=data["light"],
            text=data["text"],
            values=[services.ValueInput(**item) for item in form.reported()],
            submit="submit" in request.POST,
        )

    return save


@login_required
@require_http_methods(["GET", "POST"])
def submission_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """The report: the officer writes it while it is theirs to write (a draft or returned),
    everyone else who sees it reads it."""
    submission = _submission(request, pk)
    if request.method == "POST" and submission.round.is_frozen:
        return render(request, "403.html", {"reason": services.FROZEN}, status=403)
    writable = submission.status in (Submission.Status.DRAFT, Submission.Status.RETURNED)
    may_write = writable and SUBMISSION.can(request.user, "write", submission)
    context = _submission_context(request, submission)
    if not may_write:
        _require(request.method != "POST")
        return render(request, "strategy/submission_detail.html", context)
    form = _report_form(request, submission)
    return handle_form(
        request,
        form,
        save=_save_report(request, submission, form),
        success=lambda s: s.get_absolute_url(),
        message=lambda s: (
            _("Die Meldung ist eingereicht.")
            if s.status == Submission.Status.SUBMITTED
            else _("Der Entwurf ist gespeichert.")
        ),
        template="strategy/submission_detail.html",
        context=context,
    )


@login_required
@require_POST
def submission_note(request: SignedInRequest, pk: int) -> HttpResponse:
    submission = _submission(request, pk)
    if submission.round.is_frozen:
        return render(request, "403.html", {"reason": services.FROZEN}, status=403)
    _require(SUBMISSION.can(request.user, "note", submission))
    return handle_form(
        request,
        NoteForm(request.POST),
        save=lambda data: services.submission_note(
            actor=request.user, submission=submission, note=data["note"]
        ),
        success=lambda s: s.get_absolute_url(),
        message=_("Ihre Anmerkung ist gespeichert."),
        template="strategy/submission_detail.html",
        context={
            "submission": submission,
            "round": submission.round,
            "measure": submission.measure,
        },
    )


@login_required
@require_POST
def submission_review(request: SignedInRequest, pk: int) -> HttpResponse:
    submission = _submission(request, pk)
    if submission.round.is_frozen:
        return render(request, "403.html", {"reason": services.FROZEN}, status=403)
    _require(SUBMISSION.can(request.user, "review", submission))

    def save(data: dict[str, Any]) -> Submission:
        if data["decision"] == "return":
            return services.submission_return(
                actor=request.user, submission=submission, comment=data["comment"]
            )
        return services.submission_accept(
            actor=request.user,
            submission=submission,
            itd_rating=data["itd_rating"],
            comment=data["comment"],
        )

    return handle_form(
        request,
        ReviewForm(request.POST),
        save=save,
        success=lambda s: s.get_absolute_url(),
        message=lambda s: (
            _("Die Meldung ist angenommen.")
            if s.status == Submission.Status.ACCEPTED
            else _("Die Meldung ist zurückgegeben; die Verantwortlichen sind benachrichtigt.")
        ),
        template=FORM,
        context={"title": _("Meldung prüfen"), "back": submission.get_absolute_url()},
    )
