"""The database fingerprint of the robustness and permission tests (tests/robustness.py) keeps
each table's hash while the table's write counters of the transaction stay the same. These tests
prove that it always equals hashing every table anew, and that it sees every kind of change."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from contacts.models import Authority

from .robustness import changed_tables, db_fingerprint, full_fingerprint

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the kept hashes need PostgreSQL's counters"
)

TABLE = Authority._meta.db_table


def _same_as_full() -> dict:
    kept = db_fingerprint()
    assert kept == full_fingerprint()
    return kept


@pytest.mark.django_db
def test_the_kept_fingerprint_equals_a_full_one_after_every_kind_of_write():
    start = _same_as_full()
    authority = Authority.objects.create(code="fp-test", name_de="Prüfstelle", kind="other")
    inserted = _same_as_full()
    assert changed_tables(start, inserted) == [TABLE]

    authority.save()  # an update that changes nothing: counted, but the rows are the same
    assert changed_tables(inserted, _same_as_full()) == []

    Authority.objects.filter(pk=authority.pk).update(name_de="Prüfstelle II")
    renamed = _same_as_full()
    assert changed_tables(inserted, renamed) == [TABLE]

    with transaction.atomic():  # a savepoint rolled back: its writes still count, rows do not
        Authority.objects.filter(pk=authority.pk).delete()
        assert changed_tables(renamed, _same_as_full()) == [TABLE]
        transaction.set_rollback(True)
    assert changed_tables(renamed, _same_as_full()) == []

    with transaction.atomic():  # written and rolled back with no fingerprint in between
        Authority.objects.filter(pk=authority.pk).update(name_de="Prüfstelle III")
        transaction.set_rollback(True)
    assert changed_tables(renamed, _same_as_full()) == []

    authority.delete()  # inserted and deleted again: the table is as it was
    assert changed_tables(start, _same_as_full()) == []


@pytest.mark.django_db(transaction=True)
def test_hashes_kept_in_one_transaction_are_not_used_in_the_next(reference_data):
    with transaction.atomic():
        before = db_fingerprint()
    # Written in a transaction of its own (autocommit): the counters of the next transaction
    # start at zero again, so only the transaction's id tells the kept hashes are stale.
    Authority.objects.create(code="fp-test", name_de="Prüfstelle", kind="other")
    with transaction.atomic():
        after = db_fingerprint()
        assert after == full_fingerprint()
    assert changed_tables(before, after) == [TABLE]
