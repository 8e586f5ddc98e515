"""Files in object storage (issue 21, point 2): the settings a bucket makes, the bucket's
content after an upload, a download and the retention job, a store that refuses or does not
answer (a clear message, nothing half-saved), and the readiness check of the bucket.

The document and report tests run in the bucket too (tests/conftest.py, `object_store`); these
are the faults and checks only a bucket has. moto's S3 server runs on loopback
(tests/object_store.py).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.object_storage import object_storage_problem
from documents import services
from documents.models import Document, DocumentVersion
from notifications.kinds import Kind as NoticeKind
from notifications.models import Notification
from reports import services as report_services
from reports.models import Report, Status

from . import document_files as files
from .conftest import client_for
from .object_store import BUCKET, s3_storage, s3_storages


def local_files(settings: Any) -> list[Path]:
    found: list[Path] = []
    for root in (Path(settings.DOCUMENTS_ROOT), Path(settings.REPORTS_ROOT)):
        found += [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    return found


@pytest.fixture
def in_bucket(settings, moto_s3, monkeypatch) -> tuple[Any, str]:
    """Documents and reports in the test bucket under a prefix of this test."""
    from core.object_storage import PrivateS3Storage

    monkeypatch.setattr(PrivateS3Storage, "_create_session", lambda _storage: moto_s3.session)
    prefix, entries = s3_storages(moto_s3.endpoint)
    settings.STORAGES = {**settings.STORAGES, **entries}
    return moto_s3, prefix


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: the store refuses the connection."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that takes the connection and never answers: the store times out."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


def dead_store(settings: Any, port: int, *aliases: str) -> None:
    """The aliases point at a store on `port`, with a half-second timeout and no retry."""
    entry = s3_storage(f"http://127.0.0.1:{port}", "dead", timeout=0.5, attempts=1)
    settings.STORAGES = {**settings.STORAGES, **dict.fromkeys(aliases, entry)}


def upload_page(client: Any, space: Any) -> Any:
    return client.post(
        reverse("documents:space_new", args=[space.slug]),
        {"title": "Protokoll", "description": "", "file": SimpleUploadedFile("p.pdf", files.pdf())},
    )


# --- The settings a bucket makes ----------------------------------------------------------------


def test_a_bucket_in_the_environment_puts_documents_and_reports_there():
    """The settings module read with OBJECT_STORAGE_BUCKET set (a process of its own)."""
    env = {
        **os.environ,
        "OBJECT_STORAGE_BUCKET": "portal-dateien",
        "OBJECT_STORAGE_ENDPOINT_URL": "https://s3.example.org",
        "OBJECT_STORAGE_TIMEOUT": "3",
    }
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "out = {}\n"
        "for alias in ('documents', 'reports'):\n"
        "    o = dict(s.STORAGES[alias]['OPTIONS']); c = o.pop('client_config')\n"
        "    o.update(backend=s.STORAGES[alias]['BACKEND'], connect=c.connect_timeout, "
        "read=c.read_timeout, retries=c.retries)\n"
        "    out[alias] = o\n"
        "print(json.dumps(out))"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script],
        env=env | {"DJANGO_SETTINGS_MODULE": "hamburg_digital.settings"},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    stores = json.loads(done.stdout)
    for alias, location in (("documents", ""), ("reports", "reports")):
        store = stores[alias]
        assert store["backend"] == "core.object_storage.PrivateS3Storage"
        assert (store["bucket_name"], store["location"]) == ("portal-dateien", location)
        assert store["endpoint_url"] == "https://s3.example.org"
        assert store["default_acl"] is None and store["file_overwrite"] is False
        assert (store["connect"], store["read"]) == (3, 6)
        assert store["retries"]["max_attempts"] == 2


def test_without_a_bucket_files_stay_on_the_local_disk(settings):
    assert settings.OBJECT_STORAGE_BUCKET == ""
    assert settings.STORAGES["documents"]["BACKEND"] == "documents.storage.DocumentStorage"
    assert settings.STORAGES["reports"]["BACKEND"] == "reports.models.ReportStorage"
    assert object_storage_problem() is None


# --- In the bucket ------------------------------------------------------------------------------


def test_an_upload_lands_in_the_bucket_downloads_stay_checked_and_the_purge_removes_it(
    in_bucket, settings, space, member, outsider, guest
):
    server, prefix = in_bucket
    response = upload_page(client_for(member), space)
    assert response.status_code == 302
    version = DocumentVersion.objects.get()
    key = f"{prefix}/{version.file.name}"
    assert version.file.name.startswith("documents/")
    assert server.keys(prefix) == [key]
    assert local_files(settings) == []
    stored = server.client().get_object(Bucket=BUCKET, Key=key)
    assert stored["Body"].read() == files.pdf()
    assert stored["ContentLength"] == version.size

    url = reverse("documents:download", args=[version.document_id, version.number])
    answer = client_for(member).get(url)
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == files.pdf()
    assert client_for(guest).get(url).status_code == 404  # not a member of the space
    with pytest.raises(ValueError):
        version.file.url  # noqa: B018 - no address of its own, signed or not

    services.document_delete(actor=member, document=version.document)
    assert server.keys(prefix) == [key]  # kept for the retention period
    later = timezone.now() + dt.timedelta(days=settings.DOCUMENT_RETENTION_DAYS + 1)
    assert services.purge_deleted(now=later) == 1
    assert server.keys(prefix) == []


def test_an_upload_whose_rows_fail_leaves_no_object_in_the_bucket(
    in_bucket, space, member, monkeypatch
):
    server, prefix = in_bucket

    def broken(**_kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_version", broken)
    with pytest.raises(RuntimeError):
        services.document_create(
            actor=member,
            container=space,
            title="Halb",
            upload=SimpleUploadedFile("p.pdf", files.pdf()),
        )
    assert server.keys(prefix) == []
    assert not Document.objects.exists()


# --- A store that refuses or does not answer ----------------------------------------------------


@pytest.mark.parametrize("fault", ["refused", "timeout", "no bucket"])
def test_a_failing_store_answers_the_upload_clearly_and_keeps_nothing(
    fault, settings, space, member, closed_port, silent_port, moto_s3
):
    if fault == "no bucket":
        entry = s3_storage(moto_s3.endpoint, "x", bucket="fehlt", timeout=1, attempts=1)
        settings.STORAGES = {**settings.STORAGES, "documents": entry}
    else:
        dead_store(settings, closed_port if fault == "refused" else silent_port, "documents")
    response = upload_page(client_for(member), space)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Die Datei konnte nicht gespeichert werden" in page
    assert "Dateispeicher ist gerade nicht erreichbar" in page
    assert not Document.objects.exists() and not DocumentVersion.objects.exists()
    assert local_files(settings) == []
    buckets = [b["Name"] for b in moto_s3.client().list_buckets()["Buckets"]]
    assert buckets == [BUCKET]  # the upload made no bucket of its own


def test_the_service_names_the_field_when_the_store_refuses(settings, space, member, closed_port):
    dead_store(settings, closed_port, "documents")
    with pytest.raises(ValidationError) as refused:
        services.document_create(
            actor=member,
            container=space,
            title="x",
            upload=SimpleUploadedFile("p.pdf", files.pdf()),
        )
    assert "Dateispeicher" in str(refused.value.message_dict["file"])


def test_the_upload_page_in_english_says_so_too(settings, space, member, closed_port):
    dead_store(settings, closed_port, "documents")
    client = client_for(member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = upload_page(client, space).content.decode()
    assert "The file could not be saved" in page


@pytest.mark.parametrize("fault", ["refused", "timeout"])
def test_a_report_the_store_cannot_take_is_failed_with_the_reason(
    fault, settings, itd, closed_port, silent_port, django_capture_on_commit_callbacks
):
    dead_store(settings, closed_port if fault == "refused" else silent_port, "reports")
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.report_request(
            actor=itd, kind="lines", format="csv", scope="programme", fiscal_year=None
        )
    report.refresh_from_db()
    assert report.status == Status.FAILED and not report.file
    assert "konnte aber nicht abgelegt werden" in report.error
    assert "Dateispeicher" in report.error
    assert Notification.objects.filter(recipient=itd, kind=NoticeKind.REPORT_FAILED).count() == 1
    assert local_files(settings) == []
    assert Report.objects.filter(status=Status.READY).count() == 0


def test_a_download_the_store_cannot_serve_says_so_after_the_permission_check(
    in_bucket, settings, space, member, guest, itd, closed_port, django_capture_on_commit_callbacks
):
    upload_page(client_for(member), space)
    version = DocumentVersion.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.report_request(
            actor=itd, kind="lines", format="csv", scope="programme", fiscal_year=None
        )
    report.refresh_from_db()
    assert report.status == Status.READY, report.error
    dead_store(settings, closed_port, "documents", "reports")

    document_url = reverse("documents:download", args=[version.document_id, version.number])
    assert client_for(guest).get(document_url).status_code == 404  # the rule comes first
    for client, url in (
        (client_for(member), document_url),
        (client_for(itd), reverse("reports:download", args=[report.pk])),
    ):
        response = client.get(url)
        assert response.status_code == 503
        assert "Der Dateispeicher des Portals antwortet gerade nicht" in response.content.decode()
    # The API says the same in its error body, not a 500 (and still 404 to one who may not).
    api_url = reverse("api:report-download", args=[report.pk])
    assert client_for(guest).get(api_url).status_code == 404
    answer = client_for(itd).get(api_url)
    assert answer.status_code == 503
    assert answer.json()["code"] == "store_unavailable"
    assert "Der Dateispeicher des Portals antwortet gerade nicht" in answer.json()["detail"]


def test_a_video_in_the_bucket_is_sent_in_parts_without_copying_the_whole(
    in_bucket, settings, monkeypatch
):
    """A player's range is fetched from the bucket as that range (one ranged GET), not by
    django-storages' copy of the whole object into a temporary file."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages
    from storages.backends.s3 import S3File

    from inclusion.models import Video

    from .object_store import s3_storage

    server, prefix = in_bucket
    entry = s3_storage(server.endpoint, f"{prefix}/videos")
    settings.STORAGES = {**settings.STORAGES, "inclusion_videos": entry}
    content = bytes(range(256)) * 400
    name = storages["inclusion_videos"].save("inhalt.mp4", ContentFile(content))
    assert server.keys(f"{prefix}/videos/") == [f"{prefix}/videos/{name}"]
    Video.objects.create(
        item="inhalt", file_name=name, content_type="video/mp4", size=len(content), width=640,
        height=480, fps=25, duration=2, captions="WEBVTT\n", transcript="Hallo.",
    )  # fmt: skip

    def no_copy(_file):
        raise AssertionError("the whole object was copied to a temporary file")

    monkeypatch.setattr(S3File, "file", property(no_copy))
    url = reverse("inclusion:video", args=["inhalt"])
    client = client_for(None)
    for header, expected in (
        ("bytes=1000-1999", content[1000:2000]),
        ("bytes=-100", content[-100:]),
        ("bytes=102000-", content[102000:]),
    ):
        part = client.get(url, headers={"Range": header})
        assert part.status_code == 206, header
        assert b"".join(part.streaming_content) == expected, header
        assert part["Content-Length"] == str(len(expected))


def test_whole_files_from_the_bucket_are_streamed_without_a_copy(
    in_bucket, settings, monkeypatch, space, member, coordinator, itd,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    """A document, a meeting file, a report (page and API) and a video without a range are
    sent as the bucket's answer arrives, never copied whole into django-storages' temporary
    file first (which is memory here: no max_memory_size is set); each byte as stored."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages
    from storages.backends.s3 import S3File

    from inclusion.models import Video
    from meetings.models import MeetingFile

    from .factories import make_meeting

    server, prefix = in_bucket
    settings.STORAGES = {**settings.STORAGES, "inclusion_videos": s3_storage(
        server.endpoint, f"{prefix}/videos"
    )}  # fmt: skip
    upload_page(client_for(member), space)
    version = DocumentVersion.objects.get()
    agenda = bytes(range(256)) * 300  # more than one chunk
    meeting = make_meeting(space=space, invitees=[member], title="Jour fixe")
    row = MeetingFile.objects.create(
        meeting=meeting, part="agenda", original_name="Tagesordnung.pdf",
        file=storages["documents"].save("meetings/tagesordnung.pdf", ContentFile(agenda)),
        content_type="application/pdf", size=len(agenda), sha256="0" * 64,
        uploaded_by=coordinator,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.report_request(
            actor=itd, kind="lines", format="csv", scope="programme", fiscal_year=None
        )
    report.refresh_from_db()
    assert report.status == Status.READY, report.error
    with storages["reports"].open(report.file.name, "rb") as stored:
        report_bytes = stored.read()
    video = bytes(range(256)) * 200
    Video.objects.create(
        item="inhalt", file_name=storages["inclusion_videos"].save("v.mp4", ContentFile(video)),
        content_type="video/mp4", size=len(video), width=640, height=480, fps=25, duration=2,
        captions="WEBVTT\n", transcript="Hallo.",
    )  # fmt: skip

    def no_copy(_file):
        raise AssertionError("the whole object was copied to a temporary file")

    monkeypatch.setattr(S3File, "file", property(no_copy))
    for client, url, expected, attachment in (
        (
            client_for(member),
            reverse("documents:download", args=[version.document_id, version.number]),
            files.pdf(),
            version.original_name,
        ),
        (client_for(member), row.get_download_url(), agenda, "Tagesordnung.pdf"),
        (client_for(itd), reverse("reports:download", args=[report.pk]), report_bytes, "."),
        (client_for(itd), reverse("api:report-download", args=[report.pk]), report_bytes, "."),
        (client_for(None), reverse("inclusion:video", args=["inhalt"]), video, ""),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content) == expected, url
        assert response["Content-Length"] == str(len(expected)), url
        if attachment:
            assert "attachment" in response["Content-Disposition"], url
            assert attachment in response["Content-Disposition"], url


def test_a_stored_file_is_closed_with_its_response_even_unread(tmp_path):
    """A HEAD request reads nothing: the file (and a bucket's answer) is closed when the
    response is, not when the garbage collector gets to it."""
    from core.object_storage import read_part

    path = tmp_path / "datei.bin"
    path.write_bytes(b"0123456789")
    handle = path.open("rb")
    part = read_part(handle, 2, 5)
    part.close()
    assert handle.closed
    handle = path.open("rb")
    assert b"".join(read_part(handle, 2, None, chunk=3)) == b"23456789"
    assert b"".join(read_part(path.open("rb"), 2, 5, chunk=2)) == b"23456"


def test_a_meeting_file_the_store_cannot_serve_says_so_after_the_rule(
    settings, closed_port, space, member, coordinator, outsider
):
    from meetings.models import MeetingFile

    from .factories import make_meeting

    meeting = make_meeting(space=space, invitees=[member], title="Jour fixe")
    row = MeetingFile.objects.create(
        meeting=meeting, part="agenda", file="meetings/tagesordnung.pdf",
        original_name="Tagesordnung.pdf", content_type="application/pdf", size=5,
        sha256="0" * 64, uploaded_by=coordinator,
    )  # fmt: skip
    dead_store(settings, closed_port, "documents")
    assert client_for(outsider).get(row.get_download_url()).status_code == 404  # the rule first
    response = client_for(member).get(row.get_download_url())
    assert response.status_code == 503
    assert "Der Dateispeicher des Portals antwortet gerade nicht" in response.content.decode()


def test_a_sign_language_video_the_store_cannot_serve_says_so(settings, closed_port):
    from inclusion.models import Video

    Video.objects.create(
        item="inhalt", file_name="inhalt.mp4", content_type="video/mp4", size=5, width=640,
        height=480, fps=25, duration=2, captions="WEBVTT\n", transcript="Hallo.",
    )  # fmt: skip
    dead_store(settings, closed_port, "inclusion_videos")
    response = client_for(None).get(reverse("inclusion:video", args=["inhalt"]))
    assert response.status_code == 503
    assert "Der Dateispeicher des Portals antwortet gerade nicht" in response.content.decode()


def test_a_report_file_no_report_names_is_purged_after_the_retention_days(in_bucket, settings):
    from django.core.files.base import ContentFile

    from reports.models import report_storage

    server, prefix = in_bucket
    name = report_storage.save("2026/01/verwaist.csv", ContentFile(b"a;b\r\n"))
    assert report_services.purge_expired() == 0
    assert server.keys(f"{prefix}/reports/") == [f"{prefix}/reports/{name}"]
    later = timezone.now() + dt.timedelta(days=settings.REPORT_RETENTION_DAYS + 1)
    report_services.purge_expired(now=later)
    assert server.keys(f"{prefix}/reports/") == []


# --- Readiness ----------------------------------------------------------------------------------


def test_readiness_is_fine_when_the_bucket_answers(in_bucket):
    assert object_storage_problem() is None
    answer = Client().get("/readyz")
    assert answer.json()["checks"]["object_storage"] == {"state": "ok"}


def test_readiness_names_a_missing_bucket(settings, moto_s3, monkeypatch):
    from core.object_storage import PrivateS3Storage

    monkeypatch.setattr(PrivateS3Storage, "_create_session", lambda _storage: moto_s3.session)
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": s3_storage(moto_s3.endpoint, "", bucket="fehlt"),
    }
    problem = object_storage_problem()
    assert problem is not None
    assert "'fehlt' does not exist" in problem and moto_s3.endpoint in problem
    # The probe of Kubernetes (deploy/) says so: not ready, with the reason.
    answer = Client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["object_storage"] == {"state": "error", "reason": problem}


def test_readiness_names_a_store_that_cannot_be_reached(settings, closed_port):
    dead_store(settings, closed_port, "documents", "reports")
    problem = object_storage_problem()
    assert problem is not None and "cannot be reached" in problem
