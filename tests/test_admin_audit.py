"""The admin is ITD's; every change made there lands in the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from contacts.models import Authority, DigitalOfficer
from core.models import AuditEntry

from .conftest import client_for
from .factories import DigitalOfficerFactory, PersonFactory, audit_of


def _authority_form(authority: Authority, **changes) -> dict:
    data: dict[str, Any] = {
        "code": authority.code,
        "name_de": authority.name_de,
        "name_en": authority.name_en,
        "kind": authority.kind,
        "parent": authority.parent_id or "",
        "valid_from": "",
        "valid_until": "",
        "predecessors": [],
    }
    data.update(changes)
    return data


def test_itd_renames_an_authority_and_the_change_is_audited(itd):
    authority = Authority.objects.get(code="BVM")
    old_name = authority.name_de
    url = reverse("admin:contacts_authority_change", args=[authority.pk])
    response = client_for(itd).post(
        url, _authority_form(authority, name_de="Behörde für Mobilität", valid_from="2025-06-01")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Authority), object_id=str(authority.pk)
    )
    assert entry.actor == itd
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.changes["name_de"] == {"old": old_name, "new": "Behörde für Mobilität"}
    assert entry.changes["valid_from"] == {"old": None, "new": "2025-06-01"}


def test_reorganisation_keeps_history_through_predecessors(itd):
    old = Authority.objects.get(code="BWFGB")
    url = reverse("admin:contacts_authority_add")
    response = client_for(itd).post(
        url,
        {
            "code": "BWFB",
            "name_de": "Behörde für Wissenschaft, Forschung und Bezirke",
            "name_en": "",
            "kind": "ministry",
            "parent": "",
            "valid_from": "2025-06-01",
            "valid_until": "",
            "predecessors": [old.pk],
        },
    )
    assert response.status_code == 302
    new = Authority.objects.get(code="BWFB")
    assert list(new.predecessors.all()) == [old]
    assert list(old.successors.all()) == [new]
    entry = audit_of(new).get(action=AuditEntry.Action.CREATE)
    assert entry.changes["predecessors"]["new"] == [str(old)]


def test_itd_ends_an_officer_role_in_the_admin_with_audit(itd):
    officer = DigitalOfficerFactory(
        person=PersonFactory(authority=Authority.objects.get(code="FB"))
    )
    url = reverse("admin:contacts_digitalofficer_change", args=[officer.pk])
    response = client_for(itd).post(
        url,
        {
            "person": officer.person_id,
            "authority": officer.authority_id,
            "role": officer.role,
            "since": officer.since.isoformat(),
            "until": "2026-12-31",
        },
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.until.isoformat() == "2026-12-31"
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(DigitalOfficer), object_id=str(officer.pk)
    )
    assert entry.changes["until"] == {"old": None, "new": "2026-12-31"}


def test_audit_trail_is_readable_by_itd_only(itd, outsider, coordinator):
    url = reverse("admin:core_auditentry_changelist")
    assert client_for(itd).get(url).status_code == 200
    outsider.is_staff = True  # even a staff flag does not open the admin without ITD
    outsider.save()
    for user in (outsider, coordinator):
        response = client_for(user).get(url)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_audit_entries_cannot_be_edited_or_deleted(itd, member, space):
    from spaces.models import Membership
    from spaces.services import membership_end

    membership_end(actor=itd, membership=Membership.objects.get(person__user=member))
    entry = AuditEntry.objects.first()
    client = client_for(itd)
    change = client.post(reverse("admin:core_auditentry_change", args=[entry.pk]), {})
    assert change.status_code == 403
    delete = client.post(reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
