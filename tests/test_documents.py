"""Documents in a space or on a project (issue 12, point 5): who may see, add and delete, the
upload checks on real small files, versions, the download, deletion and the retention job,
notices, the space page and the project page, and constant query counts."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from contacts.models import User
from documents import permissions, selectors, services
from documents.models import Document, DocumentVersion
from documents.storage import document_storage
from notifications.models import Notification
from projects.models import ProjectGuest

from . import document_files as files
from .conftest import ROLES, client_for
from .factories import ExternalPersonFactory, MembershipFactory, ProjectFactory, audit_of
from .object_store import basename, stored_names


def upload(name: str = "protokoll.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, files.pdf() if content is None else content)


# Every test runs on the local disk and in an S3 bucket (tests/conftest.py, object_store).
pytestmark = pytest.mark.usefixtures("object_store")


def stored_files(settings) -> list[str]:
    """The names of the files in the document storage (the disk or the bucket)."""
    return stored_names("documents")


@pytest.fixture
def space_document(space, member):
    return services.document_create(
        actor=member, container=space, title="Protokoll März", upload=upload()
    )


@pytest.fixture
def restricted_project(space, authority):
    return ProjectFactory(
        slug="geheim", primary_space=space, lead_authority=authority, visibility="restricted"
    )


@pytest.fixture
def project_document(restricted_project, officer):
    return services.document_create(
        actor=officer, container=restricted_project, title="Steckbrief", upload=upload()
    )


# --- Rules: every role --------------------------------------------------------------------


SPACE_VIEW = {"itd", "coordinator", "officer", "member", "outsider"}
SPACE_ADD = {"itd", "coordinator", "officer", "member"}
# The document was uploaded by the member.
SPACE_DELETE = {"itd", "coordinator", "member"}
PROJECT_VIEW = {"itd", "coordinator", "officer", "member"}
# Uploaded by the officer; the coordinator of the primary space and ITD delete too.
PROJECT_DELETE = {"itd", "coordinator", "officer"}


@pytest.mark.disk_only
@pytest.mark.parametrize("role", ROLES)
def test_space_document_rules_for_every_role(role, all_roles, space, space_document):
    user = all_roles[role]
    assert permissions.can(user, "view", space_document) is (role in SPACE_VIEW)
    assert permissions.may_add(user, space) is (role in SPACE_ADD)
    assert permissions.can(user, "add", space_document) is (role in SPACE_ADD)
    assert permissions.can(user, "delete", space_document) is (role in SPACE_DELETE)
    listed = set(Document.objects.visible_to(user).values_list("pk", flat=True))
    assert (space_document.pk in listed) is (role in SPACE_VIEW)


@pytest.mark.disk_only
@pytest.mark.parametrize("role", ROLES)
def test_project_document_rules_for_every_role(
    role, all_roles, restricted_project, project_document
):
    user = all_roles[role]
    assert permissions.can(user, "view", project_document) is (role in PROJECT_VIEW)
    assert permissions.may_add(user, restricted_project) is (role in PROJECT_VIEW)
    assert permissions.can(user, "delete", project_document) is (role in PROJECT_DELETE)


def test_guest_sees_and_adds_documents_of_their_own_space(guest, other_space, coordinator):
    document = services.document_create(
        actor=guest, container=other_space, title="Beitrag Hochschule", upload=upload()
    )
    assert permissions.can(guest, "view", document)
    assert permissions.can(guest, "delete", document)  # their own
    assert not permissions.can(coordinator, "delete", document)  # not their space
    assert permissions.can(coordinator, "view", document)  # staff see every space's members


def test_other_staff_see_a_public_project_but_not_its_documents(outsider, space, authority, itd):
    project = ProjectFactory(primary_space=space, lead_authority=authority, visibility="public")
    document = services.document_create(
        actor=itd, container=project, title="Arbeitsstand", upload=upload()
    )
    assert not permissions.can(outsider, "view", document)
    assert not permissions.may_add(outsider, project)
    response = client_for(outsider).get(reverse("documents:project", args=[project.slug]))
    assert response.status_code == 403


def test_guests_of_a_space_and_invited_guests_see_project_documents(
    guest, other_space, itd, restricted_project
):
    internal = ProjectFactory(primary_space=other_space, visibility="internal")
    in_guest_space = services.document_create(
        actor=itd, container=internal, title="Intern", upload=upload()
    )
    restricted = services.document_create(
        actor=itd, container=restricted_project, title="Vertraulich", upload=upload()
    )
    assert permissions.can(guest, "view", in_guest_space)
    assert not permissions.can(guest, "view", restricted)
    ProjectGuest.objects.create(
        project=restricted_project,
        person=guest.person,
        until=timezone.localdate() + dt.timedelta(days=30),
    )
    from contacts.permissions import forget_cached_facts

    forget_cached_facts(guest)
    assert permissions.can(guest, "view", restricted)
    assert permissions.may_add(guest, restricted_project)


def test_deleted_documents_are_seen_by_nobody(itd, coordinator, space_document):
    services.document_delete(actor=coordinator, document=space_document)
    space_document.refresh_from_db()
    assert not permissions.can(itd, "view", space_document)
    assert not Document.objects.visible_to(itd).filter(pk=space_document.pk).exists()


def test_services_check_permission_themselves(guest, outsider, space, space_document):
    with pytest.raises(PermissionDenied):
        services.document_create(actor=guest, container=space, title="x", upload=upload())
    with pytest.raises(PermissionDenied):
        services.document_version_add(actor=outsider, document=space_document, upload=upload())
    with pytest.raises(PermissionDenied):
        services.document_delete(actor=outsider, document=space_document)


# --- Upload checks ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(files.ACCEPTED))
def test_every_allowed_type_is_accepted_with_the_type_from_its_content(
    name, member, space, settings
):
    build, content_type = files.ACCEPTED[name]
    document = services.document_create(
        actor=member, container=space, title=name, upload=upload(name, build())
    )
    version = document.versions.get()
    assert version.content_type == content_type
    assert version.original_name == name
    # The stored name is the portal's, never the uploader's.
    assert name not in version.file.name
    assert version.file.name.startswith("documents/")
    assert len(stored_files(settings)) == 1


@pytest.mark.parametrize("case", sorted(files.REFUSED))
def test_forbidden_content_is_refused_and_nothing_is_stored(case, member, space, settings):
    name, content, code = files.REFUSED[case]
    with pytest.raises(ValidationError) as refused:
        services.document_create(
            actor=member, container=space, title="Versuch", upload=upload(name, content)
        )
    assert "file" in refused.value.message_dict
    assert refused.value.error_dict["file"][0].code in (code, None) or code == "name"
    assert not Document.objects.exists()
    assert not DocumentVersion.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize("case", sorted(files.REFUSED))
def test_refusals_name_the_reason(case):
    from core import filetypes

    name, content, code = files.REFUSED[case]
    with pytest.raises(ValidationError) as refused:
        extension = filetypes.check_name(name)
        filetypes.detect(upload(name, content), extension)
    assert refused.value.code == code


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd.pdf", "a/b.pdf", "a\\b.pdf", "a\x00b.pdf", "a\x1bb.pdf", "..", " .pdf"],
)
def test_names_with_path_parts_or_control_characters_are_refused(name, member, space, settings):
    # A django File keeps the name as given (an UploadedFile, like Django's upload parser,
    # strips directory parts before any code of ours sees it).
    raw = File(io.BytesIO(files.pdf()), name=name)
    with pytest.raises(ValidationError) as refused:
        services.document_create(actor=member, container=space, title="Pfad", upload=raw)
    assert "file" in refused.value.message_dict
    assert not Document.objects.exists()
    assert stored_files(settings) == []


def test_an_empty_file_is_refused(member, space, settings):
    with pytest.raises(ValidationError):
        services.document_create(
            actor=member, container=space, title="Leer", upload=upload("leer.pdf", b"")
        )
    assert stored_files(settings) == []


def _post_new(client, space, **data):
    return client.post(reverse("documents:space_new", args=[space.slug]), data)


def test_the_upload_page_answers_bad_input_with_400_and_stores_nothing(member, space, settings):
    client = client_for(member)
    cases = [
        {"title": "", "file": upload()},  # the title is missing
        {"title": "Leer", "file": upload("leer.pdf", b"")},
        {
            "title": "Programm",
            "file": upload("bericht.pdf", files.REFUSED["windows-exe-as-pdf"][1]),
        },
        {"title": "SVG", "file": upload("bild.svg", files.SVG)},
        {"title": "Ohne Datei"},
    ]
    for data in cases:
        response = _post_new(client, space, **data)
        assert response.status_code == 400, data["title"]
        assert b"kern-error" in response.content
    assert not Document.objects.exists()
    assert stored_files(settings) == []


def test_an_upload_over_the_limit_is_skipped_while_it_streams(member, space, settings):
    settings.DOCUMENT_MAX_SIZE = 10_000
    big = files.pdf() + b"%" * 20_000
    response = _post_new(client_for(member), space, title="Groß", file=upload("gross.pdf", big))
    assert response.status_code == 400
    assert "größer als" in response.content.decode()
    assert not Document.objects.exists()
    assert stored_files(settings) == []


def test_the_size_limit_is_checked_by_the_service_too(member, space, settings):
    settings.DOCUMENT_MAX_SIZE = 100
    with pytest.raises(ValidationError) as refused:
        services.document_create(actor=member, container=space, title="Groß", upload=upload())
    assert refused.value.error_dict["file"][0].code == "size"


def test_upload_settings_keep_large_files_out_of_memory(settings):
    from django.conf import settings as live

    assert live.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440
    assert live.FILE_UPLOAD_HANDLERS[0] == "core.uploads.SizeLimitUploadHandler"
    assert "django.core.files.uploadhandler.TemporaryFileUploadHandler" in live.FILE_UPLOAD_HANDLERS
    assert live.DOCUMENT_MAX_SIZE == 25 * 1024 * 1024
    documents_root = Path(live.DOCUMENTS_ROOT).resolve()
    static_root = Path(live.STATIC_ROOT).resolve()
    assert static_root not in documents_root.parents and documents_root != static_root


def test_a_valid_upload_through_the_page(member, space, settings):
    response = _post_new(
        client_for(member),
        space,
        title="Protokoll",
        description="Sitzung vom 3. März",
        file=upload("Protokoll März.pdf"),
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert response["Location"] == reverse("documents:detail", args=[document.pk])
    assert document.created_by == member
    assert audit_of(document).filter(action="create").exists()
    assert len(stored_files(settings)) == 1


# --- Versions ----------------------------------------------------------------------------------


def test_a_new_version_keeps_the_old_ones_newest_first(space_document, coordinator, member):
    services.document_version_add(
        actor=coordinator,
        document=space_document,
        upload=upload("protokoll-v2.pdf", files.tiny_pdf("zwei")),
        note="Korrekturen",
    )
    versions = list(selectors.with_versions(member).get(pk=space_document.pk).versions.all())
    assert [v.number for v in versions] == [2, 1]
    assert versions[0].uploaded_by == coordinator
    assert versions[1].uploaded_by == member
    assert versions[0].note == "Korrekturen"
    page = client_for(member).get(reverse("documents:detail", args=[space_document.pk]))
    html = page.content.decode()
    assert html.index("protokoll-v2.pdf") < html.index("protokoll.pdf herunterladen")
    for number in (1, 2):
        url = reverse("documents:download", args=[space_document.pk, number])
        assert client_for(member).get(url).status_code == 200


def test_a_bad_new_version_stores_nothing(space_document, member, settings):
    before = stored_files(settings)
    response = client_for(member).post(
        reverse("documents:version_new", args=[space_document.pk]),
        {"file": upload("neu.pdf", files.HTML)},
    )
    assert response.status_code == 400
    assert space_document.versions.count() == 1
    assert stored_files(settings) == before


# --- Download ---------------------------------------------------------------------------------


def test_download_headers(space_document, member):
    space_document.versions.update(original_name='Protokoll "März" 2026.pdf')
    url = reverse("documents:download", args=[space_document.pk, 1])
    response = client_for(member).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    # Opened in a browser tab after all, the file runs nothing.
    assert "sandbox" in response["Content-Security-Policy"]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''Protokoll%20%22M%C3%A4rz%22%202026.pdf" in disposition
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize("role", ROLES)
def test_download_only_for_those_who_may_see(role, all_roles, space_document):
    url = reverse("documents:download", args=[space_document.pk, 1])
    response = client_for(all_roles[role]).get(url)
    if role in SPACE_VIEW:
        assert response.status_code == 200
    elif all_roles[role] is None or role == "guest_ended":
        assert response.status_code == 302
    else:
        assert response.status_code == 404


def test_no_download_of_a_deleted_document_or_a_missing_version(space_document, member, itd):
    url = reverse("documents:download", args=[space_document.pk, 2])
    assert client_for(member).get(url).status_code == 404
    services.document_delete(actor=member, document=space_document)
    url = reverse("documents:download", args=[space_document.pk, 1])
    assert client_for(itd).get(url).status_code == 404


def test_the_storage_has_no_url(space_document):
    with pytest.raises(ValueError, match="no URL"):
        space_document.versions.get().file.url  # noqa: B018


# --- Deleting and retention -------------------------------------------------------------------


def test_deleting_hides_at_once_audits_and_keeps_the_file(
    space_document, coordinator, member, settings
):
    response = client_for(coordinator).post(reverse("documents:delete", args=[space_document.pk]))
    assert response.status_code == 302
    space_document.refresh_from_db()
    assert space_document.deleted_by == coordinator
    assert audit_of(space_document).filter(action="delete").exists()
    detail = reverse("documents:detail", args=[space_document.pk])
    assert client_for(member).get(detail).status_code == 404
    assert len(stored_files(settings)) == 1  # kept until the retention job


def test_the_retention_job_removes_files_and_rows_once(
    space_document, member, space, settings, caplog
):
    kept = services.document_create(actor=member, container=space, title="Bleibt", upload=upload())
    services.document_version_add(actor=member, document=space_document, upload=upload())
    services.document_delete(actor=member, document=space_document)
    assert len(stored_files(settings)) == 3
    from documents.tasks import purge_deleted_documents

    assert purge_deleted_documents() == 0  # not yet past DOCUMENT_RETENTION_DAYS
    later = timezone.now() + dt.timedelta(days=settings.DOCUMENT_RETENTION_DAYS + 1)
    with caplog.at_level("INFO", logger="documents.services"):
        assert services.purge_deleted(now=later) == 1
    assert f"removed document {space_document.pk}" in caplog.text
    assert not Document.objects.filter(pk=space_document.pk).exists()
    assert list(Document.objects.all()) == [kept]
    assert len(stored_files(settings)) == 1
    assert services.purge_deleted(now=later) == 0  # idempotent


def test_the_retention_job_finishes_when_a_file_is_gone_already(space_document, member, settings):
    services.document_delete(actor=member, document=space_document)
    for name in stored_files(settings):
        document_storage.delete(name)
    later = timezone.now() + dt.timedelta(days=settings.DOCUMENT_RETENTION_DAYS + 1)
    assert services.purge_deleted(now=later) == 1


def test_the_retention_job_is_scheduled_in_berlin_time():
    from django.conf import settings as live

    entry = live.CELERY_BEAT_SCHEDULE["documents-purge-deleted"]
    assert entry["task"] == "documents.tasks.purge_deleted_documents"
    assert live.CELERY_TIMEZONE == "Europe/Berlin" or live.TIME_ZONE == "Europe/Berlin"


# --- Notices ---------------------------------------------------------------------------------


def test_those_who_may_see_are_notified_not_the_uploader(space, member, coordinator, officer):
    guest_here = ExternalPersonFactory().user
    MembershipFactory(person=guest_here.person, space=space, role="guest")
    document = services.document_create(actor=member, container=space, title="Neu", upload=upload())
    notified = set(
        Notification.objects.filter(kind="document_added").values_list("recipient", flat=True)
    )
    assert notified == {coordinator.pk, officer.pk, guest_here.pk}
    services.document_version_add(actor=coordinator, document=document, upload=upload())
    second = Notification.objects.filter(kind="document_added", title__contains="Version 2")
    assert set(second.values_list("recipient", flat=True)) == {member.pk, officer.pk, guest_here.pk}


def test_project_notices_go_only_to_those_who_may_see_the_document(
    restricted_project, officer, coordinator, member, guest
):
    services.document_create(
        actor=officer, container=restricted_project, title="Neu", upload=upload()
    )
    notified = set(
        Notification.objects.filter(kind="document_added").values_list("recipient", flat=True)
    )
    assert officer.pk not in notified
    assert guest.pk not in notified
    assert coordinator.pk in notified and member.pk in notified
    for user_pk in notified:
        from contacts.models import User

        assert permissions.can(User.objects.get(pk=user_pk), "view", Document.objects.get())


# --- The space page and the project page -------------------------------------------------------


def test_the_space_page_shows_recent_documents_and_activity(space, space_document, member, guest):
    page = client_for(member).get(reverse("spaces:detail", args=[space.slug])).content.decode()
    assert "Protokoll März" in page
    assert "Neues Dokument: Protokoll März" in page
    other = client_for(guest).get(reverse("spaces:detail", args=[space.slug])).content.decode()
    assert "Protokoll März" not in other
    anonymous = client_for(None).get(reverse("spaces:detail", args=[space.slug]))
    assert "Protokoll März" not in anonymous.content.decode()


def test_the_project_page_shows_its_documents(restricted_project, project_document, member):
    page = client_for(member).get(reverse("projects:detail", args=[restricted_project.slug]))
    assert "Steckbrief" in page.content.decode()


def _many(container: Any, actor: User, n: int) -> None:
    for i in range(n):
        document = services.document_create(
            actor=actor, container=container, title=f"Dokument {i}", upload=upload(), notify=False
        )
        services.document_version_add(actor=actor, document=document, upload=upload(), notify=False)


@pytest.mark.disk_only
@pytest.mark.parametrize("n", [2, 30])
def test_the_document_list_makes_the_same_queries_for_few_and_many(
    n, space, member, django_assert_num_queries
):
    _many(space, member, n)
    client = client_for(member)
    url = reverse("documents:space", args=[space.slug])
    client.get(url)  # warm the session
    # session, the account with its facts (profile, roles, invitations, unread notices: one
    # query, portal.facts), the space, the paginator's count, the page of documents with their
    # newest version: 5, however many.
    with django_assert_num_queries(QUERIES_OF_THE_LIST) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert len(captured.captured_queries) == QUERIES_OF_THE_LIST


QUERIES_OF_THE_LIST = 5


@pytest.mark.disk_only
@pytest.mark.parametrize("n", [2, 30])
def test_the_sections_make_a_fixed_number_of_queries(n, space, member, django_assert_num_queries):
    _many(space, member, n)
    from contacts.models import User

    viewer = User.objects.get(pk=member.pk)
    selectors.recent(viewer, space, 5)  # the roles are cached on the viewer
    with django_assert_num_queries(1):
        assert len(selectors.recent(viewer, space, 5)) == min(n, 5)
    with django_assert_num_queries(1):
        assert len(selectors.activity(viewer, space, 20)) == min(n, 20)


# --- Personal data -----------------------------------------------------------------------------


def test_the_export_names_uploads_and_deletion_forgets_the_uploader(space_document, member):
    from contacts.selectors import personal_data
    from contacts.services import user_anonymise

    data = personal_data(member)
    assert data["documents"][0]["document"] == "Protokoll März"
    assert data["documents"][0]["file"] == "protokoll.pdf"
    user_anonymise(actor=member, user=member, reason="request")
    space_document.refresh_from_db()
    assert space_document.created_by is None
    assert space_document.versions.get().uploaded_by is None
    assert Document.objects.filter(pk=space_document.pk).exists()  # the space keeps it


def test_the_demo_documents_are_valid_files_and_seeded_once(space, other_space, itd, settings):
    import pypdf

    from documents.demo import seed_documents, tiny_pdf

    project = ProjectFactory(primary_space=space)
    assert seed_documents(spaces=[space, other_space], project=project, by=itd) == 4
    assert seed_documents(spaces=[space, other_space], project=project, by=itd) == 0
    assert Document.objects.filter(space=other_space).count() == 1
    assert Document.objects.filter(project=project).count() == 1
    assert not Notification.objects.filter(kind="document_added").exists()
    reader = pypdf.PdfReader(io.BytesIO(tiny_pdf("Protokoll")))
    assert "Protokoll" in reader.pages[0].extract_text()


@pytest.mark.disk_only
@pytest.mark.parametrize("page", ["space", "project"])
def test_the_space_and_project_pages_make_the_same_queries_for_few_and_many_documents(
    page, space, member, restricted_project
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    container = space if page == "space" else restricted_project
    name = "spaces:detail" if page == "space" else "projects:detail"
    url = reverse(name, args=[container.slug])
    client = client_for(member)
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    _many(container, member, 2)
    few = count()
    _many(container, member, 25)
    assert count() == few


def test_the_retention_job_removes_the_files_of_a_deleted_project_after_the_period(
    restricted_project, project_document, space_document, settings
):
    from projects.models import Project

    Project.objects.filter(pk=restricted_project.pk).delete()  # its documents' rows go with it
    assert not Document.objects.filter(pk=project_document.pk).exists()
    assert len(stored_files(settings)) == 2
    assert services.purge_deleted() == 0  # the loose file is new: kept for now
    later = timezone.now() + dt.timedelta(days=settings.DOCUMENT_RETENTION_DAYS + 1)
    assert services.purge_deleted(now=later) == 1
    remaining = stored_files(settings)
    assert remaining == [space_document.versions.get().file.name]
    assert services.purge_deleted(now=later) == 0
    assert document_storage.exists(remaining[0])


def test_officers_of_participating_authorities_and_invited_guests_are_notified(space, itd, guest):
    from contacts.models import Authority

    from .factories import DigitalOfficerFactory, PersonFactory

    elsewhere = Authority.objects.get(code="FB")
    project = ProjectFactory(primary_space=space, visibility="restricted")
    project.participating_authorities.add(elsewhere)
    officer_there = PersonFactory(authority=elsewhere)
    DigitalOfficerFactory(person=officer_there, authority=elsewhere)
    ProjectGuest.objects.create(
        project=project, person=guest.person, until=timezone.localdate() + dt.timedelta(days=9)
    )
    services.document_create(actor=itd, container=project, title="Neu", upload=upload())
    notified = set(
        Notification.objects.filter(kind="document_added").values_list("recipient", flat=True)
    )
    assert {officer_there.user.pk, guest.pk} <= notified
    assert itd.pk not in notified


def test_a_path_sent_as_file_name_never_reaches_the_disk_as_a_path(member, space, settings):
    """Django's upload parser keeps only the last part of a browser's file name; what reaches
    the service is a plain name (kept as metadata), the stored name is the portal's."""
    from .robustness import BOUNDARY, encode_multipart, params

    client = client_for(member)
    url = reverse("documents:space_new", args=[space.slug])
    for sent in ("../../etc/passwd.pdf", "..\\..\\boot.pdf", "/absolut.pdf"):
        body = encode_multipart(params(title=sent), {"file": [(sent, files.pdf())]})
        client.post(url, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    names = list(DocumentVersion.objects.values_list("original_name", flat=True))
    assert sorted(names) == ["absolut.pdf", "boot.pdf", "passwd.pdf"]
    stored = stored_files(settings)
    assert len(stored) == 3
    for name in stored:  # the portal's names, under documents/ of the store
        assert name.startswith("documents/") and ".." not in name
        assert basename(name) not in {"passwd.pdf", "boot.pdf", "absolut.pdf"}
    for sent in ("..", "../", "/"):  # nothing is left of the name: no file at all
        body = encode_multipart(params(title="x"), {"file": [(sent, files.pdf())]})
        response = client.post(url, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
        assert response.status_code == 400
    assert DocumentVersion.objects.count() == 3
