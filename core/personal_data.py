"""The orchestrator of personal data: every app declares what it holds about a person in its
own `privacy.py` (a `Holding`), and this module runs all of them for the export (Art. 15 DSGVO,
/my-data/) and for deletion by anonymisation (Art. 17).

A declaration (`Holding`) names the models it covers, exports its records of a person, and
anonymises them. A test walks every model of the portal and fails for one that refers to an
account or a person without a holding that covers it: a new model cannot be forgotten.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from .audiences import Actor

_QS = TypeVar("_QS", bound="models.QuerySet[Any]")


@dataclass
class Subject:
    """The person being exported or anonymised, and what identifies them in text.

    The name and addresses are taken when the subject is made (from the account unless given),
    because the account is renamed to the pseudonym half-way through the deletion.
    """

    user: Actor
    # The account's profile (contacts.Person) or None: Any, as core does not know that model.
    person: Any
    pseudonym: str = ""
    # Further literal strings that identify the person (a phone number): scrubbed as written.
    needles: list[str] = field(default_factory=list)
    # Objects that are about the person: model -> primary keys (for the audit trail).
    about: dict[type[models.Model], set[Any]] = field(default_factory=dict)
    first_name: str | None = None
    last_name: str | None = None
    # Every address of the account (the primary one and any other it confirmed).
    emails: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.first_name is None:
            self.first_name = str(getattr(self.user, "first_name", "") or "")
        if self.last_name is None:
            self.last_name = str(getattr(self.user, "last_name", "") or "")
        email = str(getattr(self.user, "email", None) or "")
        if not self.emails and email:
            self.emails = [email]

    def add_about(self, model: type[models.Model], pks: Iterable[Any]) -> None:
        self.about.setdefault(model, set()).update(pks)

    def add_needles(self, *needles: str) -> None:
        """More literal strings that identify the person (an app's own key for them)."""
        self.needles.extend(n for n in needles if n and n not in self.needles)
        for name in ("spellings", "all_spellings", "probes"):
            self.__dict__.pop(name, None)

    @cached_property
    def _shared(self) -> tuple[bool, bool]:
        """Whether another account bears the same first name, the same last name."""
        from django.contrib.auth import get_user_model

        others = get_user_model().objects.exclude(pk=self.user.pk)

        def borne(field_name: str, part: str) -> bool:
            condition = Q()
            for form in _part_variants(part):
                condition |= Q(**{f"{field_name}__iexact": form})
            return bool(condition) and others.filter(condition).exists()

        return borne("first_name", self.first_name or ""), borne("last_name", self.last_name or "")

    @cached_property
    def spellings(self) -> list[str]:
        """What names the person wherever it stands: the full name in every spelling, every
        address, the needles, and a first or last name alone that no other account bears."""
        first, last = self.first_name or "", self.last_name or ""
        first_shared, last_shared = self._shared
        found = [*name_spellings(first, last, parts=False), *self.emails, *self.needles]
        if first and last:
            if not first_shared:
                found += name_spellings(first, "")
            if not last_shared:
                found += name_spellings("", last)
        return _unique(found)

    @cached_property
    def all_spellings(self) -> list[str]:
        """Also the first and the last name alone: for what the person wrote, uploaded or is
        about, and for a text that names them in full (a first name there is theirs)."""
        first, last = self.first_name or "", self.last_name or ""
        return _unique([*name_spellings(first, last), *self.emails, *self.needles])

    @cached_property
    def probes(self) -> list[str]:
        """Substrings one of which every spelling contains: the database's first sieve."""
        return _unique(
            [*name_probes(self.first_name or "", self.last_name or ""), *self.emails, *self.needles]
        )

    def redact(self, value: Any, *, own: bool = False, placeholder: str | None = None) -> Any:
        """`value` (text or JSON data) without the person: `own` for what they wrote or what is
        about them (first and last name alone go too)."""
        placeholder = self.pseudonym if placeholder is None else placeholder
        if own:
            return redact_value(value, self.all_spellings, placeholder)
        redacted = redact_value(value, self.spellings, placeholder)
        if redacted == value:
            return value
        return redact_value(redacted, self.all_spellings, placeholder)

    def mentioned_in(self, value: Any) -> bool:
        return bool(redact_value(value, self.spellings, "") != value)


@dataclass(frozen=True)
class Holding:
    """One kind of record about a person, declared by the app that stores it."""

    key: str
    models: tuple[type[models.Model], ...]
    export: Callable[[Subject], Any]
    anonymise: Callable[[Subject], None] | None = None
    # Lower runs first: records are ended before the account is renamed, the history last.
    order: int = 50
    # Holdings that name objects about the person (subject.add_about) run before the others.
    collect: Callable[[Subject], None] | None = None


_HOLDINGS: dict[str, Holding] = {}
_discovered = False


def register(*holdings: Holding) -> None:
    for holding in holdings:
        _HOLDINGS[holding.key] = holding


def holdings() -> list[Holding]:
    global _discovered
    if not _discovered:
        autodiscover_modules("privacy")
        _discovered = True
    return sorted(_HOLDINGS.values(), key=lambda h: (h.order, h.key))


def covered_models() -> set[type[models.Model]]:
    return {model for holding in holdings() for model in holding.models}


def _collect(subject: Subject) -> None:
    for holding in holdings():
        if holding.collect is not None:
            holding.collect(subject)


def export(subject: Subject) -> dict[str, Any]:
    """Everything the portal stores about the subject, by holding, for the page and for JSON."""
    _collect(subject)
    return {holding.key: holding.export(subject) for holding in holdings()}


def anonymise(subject: Subject) -> None:
    """Run every holding's anonymisation, in one transaction."""
    with transaction.atomic():
        _collect(subject)
        for holding in holdings():
            if holding.anonymise is not None:
                holding.anonymise(subject)


# --- Spellings of a name ----------------------------------------------------------------------
#
# A name is written in many ways: "Jürgen-Björn Groß-Äpfelbaum", "Juergen-Bjoern Gross-
# Aepfelbaum" (umlauts spelt out), "Jurgen Bjorn Gross Apfelbaum" (accents dropped, as keyboards
# without them do), "Groß-Äpfelbaum, Jürgen-Björn", "juergen-bjoern.gross-aepfelbaum" (an
# address, a mention), "Jürgen-Björn_Groß-Äpfelbaum.pdf" (a file name), in any case. One function
# lists them, one regular expression finds them; every app's privacy.py uses both.

# Used where no pseudonym is given (the deletion passes its "Gelöschte Person 30").
PLACEHOLDER = "[gelöschte Person]"

_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"}
)
# Letters that Unicode does not take apart into a base letter and an accent.
_UNDECOMPOSABLE = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "Ae",
        "œ": "oe",
        "Œ": "Oe",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
    }
)
# What separates the parts of a double name: space, hyphens of every kind, dot, underscore.
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013._]+")
_INNER_JOINERS = ("-", " ", ".", "")
_FULL_FORMS = (
    "{f} {l}",
    "{f}-{l}",
    "{f}_{l}",
    "{f}.{l}",
    "{f}{l}",
    "{l} {f}",
    "{l}, {f}",
    "{l},{f}",
    "{l}-{f}",
    "{l}_{f}",
    "{l}.{f}",
)
# A part shorter than this is no name to look for alone ("A." would hit every article).
_MIN_PART = 2


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item and item.strip()))


def _fold(text: str) -> str:
    """Accents dropped: "Jürgen" -> "Jurgen", "Øre" -> "Ore"."""
    spelt = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSABLE))
    return unicodedata.normalize("NFC", "".join(c for c in spelt if not unicodedata.combining(c)))


def _forms(text: str) -> list[str]:
    """As written, with German umlauts spelt out (other accents dropped), all accents dropped."""
    return _unique([text, _fold(text.translate(_GERMAN)), _fold(text)])


def _tokens(name: str) -> list[str]:
    return [token for token in _SEPARATORS.split(name.strip()) if token]


def _part_variants(name: str) -> list[str]:
    """A first or last name in every spelling: "Groß-Äpfelbaum", "Groß Äpfelbaum",
    "Groß.Äpfelbaum", "GroßÄpfelbaum", each also as "Gross-Aepfelbaum" and "Gross-Apfelbaum"."""
    tokens = _tokens(name)
    if not tokens:
        return []
    variants: list[str] = []
    for joiner in _INNER_JOINERS:
        variants += _forms(joiner.join(tokens))
    return _unique(variants)


def name_spellings(first: str, last: str, email: str = "", *, parts: bool = True) -> list[str]:
    """Every spelling of a person's name (and the address), longest first.

    With and without hyphen, dot, space or underscore between the parts of a double name and
    between first and last name; as written, with umlauts spelt out (ä -> ae, ß -> ss) and with
    every accent dropped (ä -> a); "Vorname Nachname", "Nachname Vorname", "Nachname, Vorname";
    with `parts` also the first and the last name alone. Case does not matter to `redact`.
    A person with only one name part has that part as their full name.
    """
    firsts, lasts = _part_variants(first), _part_variants(last)
    found: list[str] = []
    if firsts and lasts:
        # The same spelling for both names: "Jürgen Groß" and "Juergen Gross", not a mixture.
        first_tokens, last_tokens = _tokens(first), _tokens(last)
        for spell in (lambda t: t, lambda t: _fold(t.translate(_GERMAN)), _fold):
            for first_joiner in _INNER_JOINERS:
                for last_joiner in _INNER_JOINERS:
                    f = spell(first_joiner.join(first_tokens))
                    surname = spell(last_joiner.join(last_tokens))
                    found += [form.format(f=f, l=surname) for form in _FULL_FORMS]
        if parts:
            found += [v for v in firsts + lasts if len(_fold(v)) >= _MIN_PART]
    else:
        found += firsts or lasts
    if email:
        found.append(email)
    return sorted(_unique(found), key=len, reverse=True)


def name_probes(first: str, last: str) -> list[str]:
    """The single words of the name in each spelling: every spelling contains one of them, so
    the database need only be asked for these (the regular expression then decides)."""
    probes: list[str] = []
    for token in _tokens(first) + _tokens(last):
        probes += [form for form in _forms(token) if len(_fold(form)) >= _MIN_PART]
    return _unique(probes)


# Inside a spelling, a German letter also matches its spelt-out and its plain form, so that a
# mixture ("Jürgen GROSS-Äpfelbaum", upper case spells ß as SS) is found as well.
_LETTER_FORMS = {
    "ä": "(?:ä|ae|a)",
    "ö": "(?:ö|oe|o)",
    "ü": "(?:ü|ue|u)",
    "ß": "(?:ß|ẞ|ss)",
    "ẞ": "(?:ß|ẞ|ss)",
}


def _spelling_pattern(spelling: str) -> str:
    parts = []
    for char in spelling:
        if char.isspace():
            parts.append(r"\s+")  # any white space, a line break too
        else:
            parts.append(_LETTER_FORMS.get(char.lower(), re.escape(char)))
    return "".join(parts)


@lru_cache(maxsize=64)
def _pattern(spellings: tuple[str, ...]) -> re.Pattern[str] | None:
    alternatives = _unique(
        _spelling_pattern(spelling.strip())
        for spelling in sorted(set(spellings), key=lambda s: len(s.strip()), reverse=True)
    )
    if not alternatives:
        return None
    # Not inside a longer word ("Anna" is not "Annahme"), but "_" and "-" do end a name, as in a
    # file name; the longest spelling first, so "Anna Meyer" goes whole, not "Anna" alone.
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])", re.IGNORECASE)


def redact(text: str, spellings: Iterable[str], placeholder: str = PLACEHOLDER) -> str:
    """`text` with every spelling replaced by `placeholder`, whatever its case. Spellings as
    they stand in HTML (escaped) are found too."""
    words = list(spellings)
    words += [html.escape(w) for w in words if html.escape(w) != w]
    pattern = _pattern(tuple(words))
    if pattern is None or not text:
        return text
    return pattern.sub(lambda _match: placeholder, text)


def redact_value(value: Any, spellings: Iterable[str], placeholder: str = PLACEHOLDER) -> Any:
    """`redact` for text or JSON data (lists and objects, their values)."""
    spellings = list(spellings)
    if isinstance(value, str):
        return redact(value, spellings, placeholder)
    if isinstance(value, list):
        return [redact_value(v, spellings, placeholder) for v in value]
    if isinstance(value, dict):
        return {k: redact_value(v, spellings, placeholder) for k, v in value.items()}
    return value


def file_placeholder(pseudonym: str) -> str:
    """The pseudonym as it can stand in a file name: "Geloeschte-Person-30"."""
    return "-".join(_tokens(_fold(pseudonym.translate(_GERMAN)))) or "geloescht"


# --- Finding and rewriting rows ---------------------------------------------------------------


def needle_variants(needles: Iterable[str]) -> list[str]:
    """The needles as they appear in plain text and inside JSON (escaped, e.g. on SQLite)."""
    variants: list[str] = []
    for needle in needles:
        if not needle:
            continue
        for variant in (needle, json.dumps(needle)[1:-1]):
            if variant not in variants:
                variants.append(variant)
    return sorted(variants, key=len, reverse=True)


def mentioning(queryset: _QS, fields: Iterable[str], needles: Iterable[str]) -> _QS:
    """Rows whose text or JSON fields contain one of the needles (case-insensitive)."""
    fields = list(fields)
    annotations = {f"_text_{name}": Cast(name, TextField()) for name in fields}
    condition = Q()
    for needle in needle_variants(needles):
        for name in fields:
            condition |= Q(**{f"_text_{name}__icontains": needle})
    if not condition:
        return queryset.none()
    return queryset.annotate(**annotations).filter(condition)


# The page where signed-in people see, export and delete their own data belongs to a higher
# layer (contacts: /my-data/); it names its URL here in its AppConfig.ready(), and the privacy
# statement links to it without naming that layer.
SELF_SERVICE: dict[str, str] = {}


def self_service_url() -> str:
    """The address of the "Meine Daten" page; "" where no app has registered one."""
    return reverse(SELF_SERVICE["url_name"]) if "url_name" in SELF_SERVICE else ""


def redact_rows(
    queryset: models.QuerySet[Any],
    fields: Iterable[str],
    subject: Subject,
    *,
    own: Q | None = None,
) -> list[Any]:
    """Rewrite the rows of `queryset` whose `fields` name the subject; `own` selects the rows
    that are the person's or about them (first and last name alone go there too). The rows
    changed, saved."""
    fields = tuple(fields)
    passes = [(queryset, False)]
    if own is not None:
        passes = [(queryset.filter(own), True), (queryset.exclude(own), False)]
    changed_rows = []
    for rows, is_own in passes:
        for row in mentioning(rows, fields, subject.probes).order_by("pk"):
            changed = []
            for name in fields:
                old = getattr(row, name)
                new = subject.redact(old, own=is_own)
                if isinstance(new, str):
                    new = new[: row._meta.get_field(name).max_length or None]
                if new != old:
                    setattr(row, name, new)
                    changed.append(name)
            if changed:
                row.save(update_fields=changed)
                changed_rows.append(row)
    return changed_rows
