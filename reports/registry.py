"""Report kinds that apps above `reports` add to the archive, with their writers.

`reports` stands below the apps whose content it archives (the strategy's round report), so it
cannot import their writers. Such an app registers a KindSpec in its AppConfig.ready(): the
formats and scopes of its kind, how the requested subject is checked and named (a round by its
number), who may request a report of it, where its page is, and the writer of each format. The
archive then requests, queues, writes, notifies, keeps and removes these reports exactly as its
own: one permission rule for who sees and downloads them (permissions.REPORT, by scope), one
retention, one progress display.

The kind itself is one of models.Kind: a choice in the database, guarded by its constraints
(format_fits_kind, report_round_names_its_round). A spec for a kind the model does not know, or
for a format or scope those constraints refuse, is refused when the portal starts, not when the
first report fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured

from .models import FORMATS, SUBJECT_KINDS, Kind, Scope

if TYPE_CHECKING:
    from core.audiences import Viewer
    from spaces.models import Space

    from .content import Meta
    from .models import Report

Progress = Callable[[int], None]
# (the report, its first-page facts, the file to write, progress in percent) -> its data rows
Writer = Callable[["Report", "Meta", Path, Progress], int]

# The scopes a subject's report may have (the database says the same for the round report).
SUBJECT_SCOPES = (Scope.PROGRAMME, Scope.SPACE)


@dataclass(frozen=True)
class KindSpec:
    key: str  # a models.Kind value
    writers: Mapping[str, Writer]  # format -> its writer
    # (subject number, scope, space or None) -> the subject's name for the archive ("2026/1");
    # raises ValidationError when there is no such subject or the space is not one of it.
    describe: Callable[[int, str, Space | None], str]
    # May the person request a report of this subject at all (before the archive's scope rule)?
    may_request: Callable[[Viewer, int], bool]
    # The subject's page, linked from the report's page in the archive.
    subject_url: Callable[[int], str]
    scopes: tuple[str, ...] = SUBJECT_SCOPES

    @property
    def formats(self) -> tuple[str, ...]:
        return tuple(self.writers)


_KINDS: dict[str, KindSpec] = {}


def register_kind(spec: KindSpec) -> None:
    if spec.key not in Kind.values or spec.key not in SUBJECT_KINDS:
        raise ImproperlyConfigured(
            f"report kind {spec.key!r}: add it to reports.models.Kind and SUBJECT_KINDS first"
        )
    refused = set(spec.formats) - set(FORMATS[spec.key])
    if refused or not spec.formats:
        raise ImproperlyConfigured(
            f"report kind {spec.key!r}: formats {sorted(refused)} not in reports.models.FORMATS"
        )
    if not spec.scopes or set(spec.scopes) - set(SUBJECT_SCOPES):
        raise ImproperlyConfigured(f"report kind {spec.key!r}: scopes must be of {SUBJECT_SCOPES}")
    _KINDS[spec.key] = spec


def kind(key: str) -> KindSpec | None:
    """The registered spec of a kind, None for the archive's own kinds."""
    return _KINDS.get(key)


def subject_url(report: Report) -> str:
    """The page of the report's subject ("" when it has none or its app is not there)."""
    spec = _KINDS.get(report.kind)
    if spec is None or report.subject_id is None:
        return ""
    return spec.subject_url(report.subject_id)
