"""Access rules written once, read three ways: as a SQL condition on the objects, as a test of
one object, and as a SQL condition on the accounts that hold the rule for one object.

A rule table maps each action on a model ("view", "edit", "edit_budget") to a rule built from
the small pieces below. `restrict(queryset, user, action)` filters with the rule's SQL
condition (lists, exports, roll-ups); `can(user, action, obj)` evaluates the same rule on one
object in Python (buttons, checks in views and services); `holders(action, obj)` lists the
active accounts the rule admits (who reads a thread and is told of a reply, who may receive a
report). All come from the same rule, so a list can never show what the detail page would
refuse, nor a notice go to someone who may not open it (NetBox's `restrict()`, Sentry's scope
map). Tests compare the readings for every role, object and action.

Rules only read: facts about the user (their audience, roles, the ids of their spaces) come
from functions each app defines and caches for the request.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from .audiences import Viewer

# A rule's SQL condition: a Q, EVERYTHING (no condition) or None (grants nothing at all).
EVERYTHING = Q()
Condition = Q | None
IdsOf = Callable[["Viewer"], Collection[Any]]


class NoHolders(TypeError):
    """A rule (or a fact in it) that cannot be read as the accounts holding it."""


class Fact:
    """A fact about a user that rules read: the ids of their spaces, of the authorities they
    represent. Read two ways: `fact(user)` gives the user's ids (cached by the function for the
    request); `fact.holders(ids)` is the condition on the user model for the accounts that have
    one of `ids` (None: any at all). Both are written side by side in the app that owns the
    fact, and a test compares them."""

    def __init__(
        self,
        ids: Callable[[Viewer], frozenset[Any]],
        holders: Callable[[Collection[Any] | None], Q],
        name: str = "",
    ) -> None:
        self._ids, self._holders = ids, holders
        self.__name__ = name or getattr(ids, "__name__", "fact")
        self.__doc__ = ids.__doc__

    def __call__(self, user: Viewer) -> frozenset[Any]:
        return self._ids(user)

    def holders(self, ids: Collection[Any] | None = None) -> Q:
        return self._holders(ids)

    def __repr__(self) -> str:
        return f"<fact {self.__name__}>"


def fact(
    holders: Callable[[Collection[Any] | None], Q],
) -> Callable[[Callable[[Viewer], frozenset[Any]]], Fact]:
    """Decorate a user's ids function with its reading as accounts (see Fact)."""

    def wrap(ids: Callable[[Viewer], frozenset[Any]]) -> Fact:
        return Fact(ids, holders)

    return wrap


def _holders_of(ids: IdsOf, values: Collection[Any] | None) -> Condition:
    if not isinstance(ids, Fact):
        raise NoHolders(f"{getattr(ids, '__name__', ids)!r} is not a rules.Fact")
    if values is not None and not values:
        return None
    return ids.holders(values)


def _all(rules: Iterable[Rule], read: Callable[[Rule], Condition]) -> Condition:
    """AND of the rules' conditions, each read when needed (None: nothing, the rest unasked)."""
    result = EVERYTHING
    for rule in rules:
        condition = read(rule)
        if condition is None:
            return None
        if condition != EVERYTHING:
            result = condition if result == EVERYTHING else result & condition
    return result


def _any(rules: Iterable[Rule], read: Callable[[Rule], Condition]) -> Condition:
    """OR of the rules' conditions, each read when needed (EVERYTHING: all, the rest unasked)."""
    result: Condition = None
    for rule in rules:
        condition = read(rule)
        if condition is None:
            continue
        if condition == EVERYTHING:
            return EVERYTHING
        result = condition if result is None else result | condition
    return result


def _not(condition: Condition) -> Condition:
    if condition is None:
        return EVERYTHING
    if condition == EVERYTHING:
        return None
    return ~condition


_M = TypeVar("_M", bound=models.Model)
_QS = TypeVar("_QS", bound="models.QuerySet[Any]")


class Rule:
    """A condition on a user and an object."""

    label = "rule"

    def q(self, user: Viewer, model: type[models.Model]) -> Condition:
        raise NotImplementedError

    def test(self, user: Viewer, obj: Any) -> bool:
        raise NotImplementedError

    def holders(self, obj: Any) -> Condition:
        """The condition on the user model for the accounts this rule admits on `obj`."""
        raise NoHolders(f"{self.label}: no reading as accounts")

    def prime(self, user: Viewer, objs: Sequence[Any]) -> None:
        """Learn in one query what `test` will ask about each of `objs` (a page of them);
        nothing to learn for most rules."""

    def __or__(self, other: Rule) -> Rule:
        return Any_(self, other)

    def __and__(self, other: Rule) -> Rule:
        return All(self, other)

    def __invert__(self) -> Rule:
        return Not(self)

    def __repr__(self) -> str:
        return f"<{self.label}>"


class UserRule(Rule):
    """A condition on the user alone (an audience, having some role at all)."""

    def __init__(
        self,
        predicate: Callable[[Viewer], bool],
        label: str,
        accounts: Callable[[], Condition] | None = None,
    ) -> None:
        self.predicate = predicate
        self.label = label
        # The same condition as the accounts that meet it (a Q on the user model); None: the
        # rule has no such reading.
        self.accounts = accounts

    def q(self, user: Viewer, model: type[models.Model]) -> Condition:
        return EVERYTHING if self.predicate(user) else None

    def test(self, user: Viewer, obj: Any) -> bool:
        return bool(self.predicate(user))

    def holders(self, obj: Any) -> Condition:
        if self.accounts is None:
            return super().holders(obj)
        return self.accounts()


def has_any(ids: IdsOf, label: str) -> UserRule:
    """The user has at least one of something (a coordinated space, an officer role)."""
    return UserRule(lambda user: bool(ids(user)), label, lambda: _holders_of(ids, None))


ANYONE = UserRule(lambda user: True, "anyone", lambda: EVERYTHING)
NOBODY = UserRule(lambda user: False, "nobody", lambda: None)


def _resolve(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        try:
            obj = getattr(obj, part)
        except ObjectDoesNotExist:
            # A missing one-to-one row (an account without a profile) is None, as the SQL's
            # outer join reads it.
            return None
        if obj is None:
            return None
    return obj


class Attr(Rule):
    """The object's field (a `__` path) has a value."""

    def __init__(self, path: str, value: Any) -> None:
        self.path, self.value = path, value
        self.label = f"{path}={value!r}"

    def q(self, user: Viewer, model: type[models.Model]) -> Condition:
        return Q(**{self.path: self.value})

    def test(self, user: Viewer, obj: Any) -> bool:
        return bool(_resolve(obj, self.path) == self.value)

    def holders(self, obj: Any) -> Condition:
        return EVERYTHING if self.test(None, obj) else None


class AttrIn(Rule):
    """The object's field (a `__` path) is one of the user's ids (e.g. their spaces)."""

    def __init__(self, path: str, ids: IdsOf) -> None:
        self.path, self.ids = path, ids
        self.label = f"{path} in {getattr(ids, '__name__', 'ids')}"

    def q(self, user: Viewer, model: type[models.Model]) -> Condition:
        ids = self.ids(user)
        return Q(**{f"{self.path}__in": list(ids)}) if ids else None

    def test(self, user: Viewer, obj: Any) -> bool:
        return _resolve(obj, self.path) in self.ids(user)

    def holders(self, obj: Any) -> Condition:
        value = _resolve(obj, self.path)
        return None if value is None else _holders_of(self.ids, [value])


class InSubquery(Rule):
    """The object's field is in a set the database computes for the user (a subquery, for sets
    too large to send as a list: the people of a guest's spaces). Tested in Python, the set is
    never read whole: the objects of a page are looked up together (`prime`), any other one by
    itself, and the answers kept for the request."""

    def __init__(
        self, path: str, query: Callable[[Viewer], models.QuerySet[Any]], label: str
    ) -> None:
        self.path, self.query = path, query
        self.label = label

    def q(self, user: Viewer, model: type[models.Model]) -> Condition:
        return Q(**{f"{self.path}__in": self.query(user)})

    def _state(self, user: Viewer) -> _Lookups:
        # Cached on the user object like the other facts about them, for the request
        # (contacts.permissions.forget_cached_facts forgets it).
        cache = f"_portal_subquery_{id(self)}"
        state: _Lookups | None = getattr(user, cache, None)
        if state is None:
            state = _Lookups()
            if user is not None:
                setattr(user, cache, state)
        return state

    def prime(self, user: Viewer, objs: Sequence[Any]) -> None:
        # Only noted: looked up (together) when a test first needs one of them, so priming a
        # rule that short-circuits before it (ITD, staff) costs nothing.
        state = self._state(user)
        if not state.complete:
            values = {_resolve(obj, self.path) for obj in objs} - set(state.known) - {None}
            state.pending.update(values)

    def test(self, user: Viewer, obj: Any) -> bool:
        value = _resolve(obj, self.path)
        state = self._state(user)
        if state.complete or value in state.known:
            return state.known.get(value, False)
        rows = self.query(user)
        if not state.pending:
            # Not primed: the whole set, once per request (small for most users and rules).
            state.known = dict.fromkeys(rows, True)
            state.complete = True
            return state.known.get(value, False)
        values = state.pending | {value}
        state.pending.clear()
        column = rows.query.values_select[0]  # the one column of the values_list
        found = set(rows.filter(**{f"{column}__in": list(values)}).order_by())
        for each in values:
            state.known[each] = each in found
        return state.known[value]


@dataclass
class _Lookups:
    """What an InSubquery rule learnt for one user in this request."""

    known: dict[Any, bool] = field(default_factory=dict)
    pending: set[Any] = field(default_factory=set)  # primed, not looked up yet
    complete: bool = False  # the whole set was read: anything not known is not in it


class Self(Rule):
    """The object's user field is the user (their own profile, their own notices)."""

    def __init__(self, path: str = "user_id") -> None:
        self.path = path
        self.label = f"{path} is me"

    def q(self, user: Viewer, model: type[models.Model]) -> Condition:
        pk = getattr(user, "pk", None)
        return Q(**{self.path: pk}) if pk is not None else None

    def test(self, user: Viewer, obj: Any) -> bool:
        pk = getattr(user, "pk", None)
        return pk is not None and _resolve(obj, self.path) == pk

    def holders(self, obj: Any) -> Condition:
        pk = _resolve(obj, self.path)
        return None if pk is None else Q(pk=pk)


class AnyRelated(Rule):
    """Some object over a many-relation (further spaces, participating authorities) is one of
    the user's ids. Python: reads `obj.<relation>.all()`, so prefetch it for lists."""

    def __init__(self, relation: str, ids: IdsOf) -> None:
        self.relation, self.ids = relation, ids
        self.label = f"any {relation} in {getattr(ids, '__name__', 'ids')}"

    def q(self, user: Viewer, model: type[models.Model]) -> Condition:
        ids = self.ids(user)
        if not ids:
            return None
        field = model._meta.get_field(self.relation)
        if isinstance(field, models.ManyToManyField):
            # The link table alone, by its index on the other side: the model's own table is
            # not read again for every subquery the condition appears in (issue 20).
            through = field.remote_field.through
            assert isinstance(through, type) and issubclass(through, models.Model), self.relation
            links = through._default_manager.filter(
                **{f"{field.m2m_reverse_field_name()}__in": list(ids)}
            )
            return Q(pk__in=links.values(field.m2m_field_name()))
        matching = model._default_manager.filter(**{f"{self.relation}__in": list(ids)})
        return Q(pk__in=matching.values("pk"))

    def test(self, user: Viewer, obj: Any) -> bool:
        ids = self.ids(user)
        return bool(ids) and any(o.pk in ids for o in getattr(obj, self.relation).all())

    def holders(self, obj: Any) -> Condition:
        return _holders_of(self.ids, [o.pk for o in getattr(obj, self.relation).all()])


class Via(Rule):
    """The object's parent (a foreign key) allows `action` (a budget line through its project)."""

    def __init__(self, path: str, action: str) -> None:
        self.path, self.action = path, action
        self.label = f"{path} may {action}"

    def q(self, user: Viewer, model: type[models.Model]) -> Condition:
        parent = model._meta.get_field(self.path).related_model
        assert isinstance(parent, type) and issubclass(parent, models.Model), self.path
        condition = table_for(parent).q(user, self.action)
        if condition is None:
            return None
        if condition == EVERYTHING:
            return EVERYTHING
        return Q(**{f"{self.path}__in": parent._default_manager.filter(condition).values("pk")})

    def test(self, user: Viewer, obj: Any) -> bool:
        parent = getattr(obj, self.path)
        return parent is not None and table_for(type(parent)).can(user, self.action, parent)

    def holders(self, obj: Any) -> Condition:
        parent = getattr(obj, self.path)
        if parent is None:
            return None
        return table_for(type(parent)).rule(self.action).holders(parent)


class Through(Rule):
    """The object's parent (a nullable foreign key) is set and satisfies `rule`, a rule written
    for the parent's model (a thread or a document of a space or of a project). Like Via, but
    with a rule of the caller's app instead of an action of the parent's table."""

    def __init__(self, path: str, rule: Rule) -> None:
        self.path, self.rule = path, rule
        self.label = f"{path}: {rule.label}"

    def q(self, user: Viewer, model: type[models.Model]) -> Condition:
        parent = model._meta.get_field(self.path).related_model
        assert isinstance(parent, type) and issubclass(parent, models.Model), self.path
        condition = self.rule.q(user, parent)
        if condition is None:
            return None
        if condition == EVERYTHING:
            return Q(**{f"{self.path}__isnull": False})
        return Q(**{f"{self.path}__in": parent._default_manager.filter(condition).values("pk")})

    def test(self, user: Viewer, obj: Any) -> bool:
        parent = getattr(obj, self.path)
        return parent is not None and self.rule.test(user, parent)

    def holders(self, obj: Any) -> Condition:
        parent = getattr(obj, self.path)
        return None if parent is None else self.rule.holders(parent)


class Extensible(Rule):
    """A place where higher layers add grants (a registry): e.g. contacts lets the spaces app
    add "guests see the people of their own spaces" without importing it."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.parts: list[Rule] = []

    def extend(self, rule: Rule) -> None:
        self.parts.append(rule)

    def q(self, user: Viewer, model: type[models.Model]) -> Condition:
        return Any_(*self.parts).q(user, model)

    def test(self, user: Viewer, obj: Any) -> bool:
        return any(part.test(user, obj) for part in self.parts)

    def holders(self, obj: Any) -> Condition:
        return Any_(*self.parts).holders(obj)

    def prime(self, user: Viewer, objs: Sequence[Any]) -> None:
        for part in self.parts:
            part.prime(user, objs)


class All(Rule):
    def __init__(self, *rules: Rule) -> None:
        self.rules = rules
        self.label = " & ".join(r.label for r in rules)

    def q(self, user: Viewer, model: type[models.Model]) -> Condition:
        return _all(self.rules, lambda rule: rule.q(user, model))

    def test(self, user: Viewer, obj: Any) -> bool:
        return all(rule.test(user, obj) for rule in self.rules)

    def holders(self, obj: Any) -> Condition:
        return _all(self.rules, lambda rule: rule.holders(obj))

    def prime(self, user: Viewer, objs: Sequence[Any]) -> None:
        for rule in self.rules:
            rule.prime(user, objs)


class Any_(Rule):  # noqa: N801 - `Any` is typing's
    def __init__(self, *rules: Rule) -> None:
        self.rules = rules
        self.label = " | ".join(r.label for r in rules) or "nobody"

    def q(self, user: Viewer, model: type[models.Model]) -> Condition:
        return _any(self.rules, lambda rule: rule.q(user, model))

    def test(self, user: Viewer, obj: Any) -> bool:
        return any(rule.test(user, obj) for rule in self.rules)

    def holders(self, obj: Any) -> Condition:
        return _any(self.rules, lambda rule: rule.holders(obj))

    def prime(self, user: Viewer, objs: Sequence[Any]) -> None:
        for rule in self.rules:
            rule.prime(user, objs)


class Not(Rule):
    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.label = f"not ({rule.label})"

    def q(self, user: Viewer, model: type[models.Model]) -> Condition:
        return _not(self.rule.q(user, model))

    def test(self, user: Viewer, obj: Any) -> bool:
        return not self.rule.test(user, obj)

    def holders(self, obj: Any) -> Condition:
        return _not(self.rule.holders(obj))

    def prime(self, user: Viewer, objs: Sequence[Any]) -> None:
        self.rule.prime(user, objs)


def any_of(*rules: Rule) -> Rule:
    return Any_(*rules)


# --- Rule tables --------------------------------------------------------------------------


class RuleTable:
    """action -> rule for one model (or, with model None, for actions on no object)."""

    def __init__(self, model: type[models.Model] | None, rules: dict[str, Rule]) -> None:
        self.model = model
        self.rules = dict(rules)
        if model is not None:
            _TABLES[model] = self

    def rule(self, action: str) -> Rule:
        try:
            return self.rules[action]
        except KeyError:
            name = self.model.__name__ if self.model else "global"
            raise KeyError(f"{name} has no rule for {action!r}: {sorted(self.rules)}") from None

    def q(self, user: Viewer, action: str) -> Condition:
        if self.model is None:
            raise TypeError("actions on no object have no SQL condition")
        return self.rule(action).q(user, self.model)

    def can(self, user: Viewer, action: str, obj: Any = None) -> bool:
        return self.rule(action).test(user, obj)

    def prime(self, user: Viewer, objs: Sequence[Any], *actions: str) -> None:
        """Before testing `actions` (all: none named) on each of `objs`: what the rules look up
        in the database, looked up for all of them at once (a page's query count stays fixed)."""
        for action in actions or tuple(self.rules):
            self.rule(action).prime(user, objs)

    def holders(self, action: str, obj: Any = None) -> models.QuerySet[Any]:
        """The active accounts that may do `action` with `obj` (the rule read as accounts)."""
        from django.contrib.auth import get_user_model

        accounts = get_user_model()._default_manager.filter(is_active=True)
        condition = self.rule(action).holders(obj)
        if condition is None:
            return accounts.none()
        return accounts if condition == EVERYTHING else accounts.filter(condition)

    def restrict(self, queryset: _QS, user: Viewer, action: str) -> _QS:
        condition = self.q(user, action)
        if condition is None:
            return queryset.none()
        return queryset if condition == EVERYTHING else queryset.filter(condition)

    @property
    def actions(self) -> Iterable[str]:
        return self.rules.keys()


_TABLES: dict[type[models.Model], RuleTable] = {}


def table_for(model: type[models.Model]) -> RuleTable:
    concrete = model._meta.concrete_model or model
    try:
        return _TABLES[concrete]
    except KeyError:
        raise LookupError(
            f"no rule table for {model.__name__}: see its app's permissions.py"
        ) from None


def tables() -> dict[type[models.Model], RuleTable]:
    return dict(_TABLES)


class RestrictedQuerySet(models.QuerySet[_M]):
    """`restrict(user, action)` and `visible_to(user)` from the model's rule table."""

    # typing.Self: the rule `Self` above has the plain name.
    def restrict(self, user: Viewer, action: str = "view") -> typing.Self:
        return table_for(self.model).restrict(self, user, action)

    def visible_to(self, user: Viewer) -> typing.Self:
        return self.restrict(user, "view")


def can(user: Viewer, action: str, obj: models.Model) -> bool:
    """May `user` do `action` with `obj`? (the rule from the object's model's table)"""
    return table_for(type(obj)).can(user, action, obj)
