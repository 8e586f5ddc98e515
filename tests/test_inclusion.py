"""Leichte Sprache and DGS (BITV 2.0 § 4): the checker names each rule and its place, ITD saves a
text with findings as "nicht geprüft", records the test readers' sign-off, and a changed
accessibility statement puts its summary up for review; videos are checked by ffprobe at upload
(too small, too slow, without captions: refused with the reason; a good one shown with its size
and duration); the button counts wishes for a translation; only ITD manages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from core.ranges import requested_range
from inclusion import services
from inclusion.checker import check_text
from inclusion.models import EasyText, Item, RequestCount, SignOff, Status, Video
from inclusion.selectors import needs_review
from inclusion.statement import statement_hash
from inclusion.texts import TEXTS

from .conftest import client_for
from .videos import CAPTIONS, make_video

pytestmark = pytest.mark.django_db

GOOD_TEXT = """Sie lesen hier Informationen über das Portal.
Das Portal heißt Digitale Räume Hamburg.

Hier arbeiten Menschen aus den Ämtern zusammen."""


def _rules(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in check_text(text):
        found.setdefault(finding.rule, []).append(finding.place)
    return found


# --- the checker -----------------------------------------------------------------------------


def test_checker_passes_a_text_in_leichte_sprache():
    assert check_text(GOOD_TEXT) == []
    for item, (title, body) in TEXTS.items():
        assert check_text(f"{title}\n\n{body}") == [], item


def test_checker_names_each_rule_and_its_place():
    text = (
        "Das Formular wurde vom Amt geprüft.\n"
        "Ich würde gern kommen.\n\n"
        "Das ist nicht gut.\n"
        "Die Seite des Portals ist neu.\n\n"
        "Hier steht etwas über die Barrierefreiheitsverordnung.\n"
        "Wir haben ein Medienzentrum.\n\n"
        "Das ist ein sehr langer Satz mit vielen Wörtern, die man eigentlich gar "
        "nicht alle braucht, um etwas zu sagen."
    )
    found = _rules(text)
    assert found["passive"] == ["Absatz 1, Satz 1: „wurde“"]
    assert found["konjunktiv"] == ["Absatz 1, Satz 2: „würde“"]
    assert found["negation"][0] == "Absatz 2, Satz 1: „nicht“"
    assert found["genitive"] == ["Absatz 2, Satz 2: „des“"]
    assert found["long_word"] == ["Absatz 3, Satz 1: „Barrierefreiheitsverordnung“"]
    assert found["rare_word"] == ["Absatz 3, Satz 2: „Medienzentrum“"]
    assert found["sentence_length"] == ["Absatz 4, Satz 1: „Das ist ein sehr“"]


def test_checker_accepts_a_hyphenated_compound():
    assert _rules("Wir haben ein Medien-Zentrum.") == {}


# --- texts, sign-off, the statement ---------------------------------------------------------


def test_itd_saves_a_text_with_findings_marked_not_checked(itd):
    client = client_for(itd)
    response = client.post(
        reverse("inclusion:text_edit", args=["inhalt"]),
        {"title": "Inhalt", "body": "Das Formular wurde vom Amt geprüft."},
    )
    assert response.status_code == 302
    text = EasyText.objects.get(item="inhalt")
    assert text.status == Status.NOT_CHECKED
    assert [f["rule"] for f in text.findings] == ["passive"]
    page = client.get(reverse("inclusion:text_edit", args=["inhalt"])).content.decode()
    assert 'data-rule="passive"' in page and "Absatz 2, Satz 1" in page
    assert "nicht geprüft" in page
    assert AuditEntry.objects.filter(object_repr__startswith="Informationen zum Inhalt").exists()


def test_a_clean_text_waits_for_the_readers_then_is_signed_off(itd):
    text = services.easy_text_save(actor=itd, item="navigation", title="Hilfe", body=GOOD_TEXT)
    assert text.status == Status.CHECKED and text.findings == []
    response = client_for(itd).post(
        reverse("inclusion:sign_off", args=["navigation"]),
        {"readers": "Prüfgruppe Leichte Sprache", "checked_on": "01.12.2026"},
    )
    assert response.status_code == 302
    text.refresh_from_db()
    assert text.status == Status.SIGNED_OFF
    sign_off = SignOff.objects.get(text=text)
    assert (sign_off.readers, sign_off.checked_on, sign_off.recorded_by) == (
        "Prüfgruppe Leichte Sprache",
        dt.date(2026, 12, 1),
        itd,
    )
    # Saving it unchanged keeps the sign-off; a change ends it.
    services.easy_text_save(actor=itd, item="navigation", title="Hilfe", body=GOOD_TEXT)
    assert EasyText.objects.get(pk=text.pk).status == Status.SIGNED_OFF
    services.easy_text_save(actor=itd, item="navigation", title="Hilfe", body=GOOD_TEXT + " Neu.")
    assert EasyText.objects.get(pk=text.pk).status == Status.CHECKED


def test_sign_off_needs_readers_and_a_past_date(itd):
    text = EasyText.objects.get(item="inhalt")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.easy_text_sign_off(actor=itd, text=text, readers=" ", checked_on=tomorrow)
    assert set(error.value.message_dict) == {"readers", "checked_on"}
    assert not SignOff.objects.exists()


def test_a_changed_statement_puts_its_summary_up_for_review(itd):
    text = EasyText.objects.get(item=Item.STATEMENT)
    services.easy_text_sign_off(
        actor=itd, text=text, readers="Prüfgruppe", checked_on=timezone.localdate()
    )
    text.refresh_from_db()
    assert text.statement_hash == statement_hash() and not needs_review(text)
    # The statement changes: the version signed off is no longer the one in force.
    EasyText.objects.filter(pk=text.pk).update(statement_hash="0" * 64)
    text.refresh_from_db()
    assert needs_review(text)
    manage = client_for(itd).get(reverse("inclusion:manage")).content.decode()
    assert "zur Prüfung" in manage
    public = client_for(None).get(reverse("inclusion:easy")).content.decode()
    assert "data-under-review" in public
    services.easy_text_sign_off(
        actor=itd, text=text, readers="Prüfgruppe", checked_on=timezone.localdate()
    )
    text.refresh_from_db()
    assert not needs_review(text)


def test_the_easy_page_shows_the_four_items_and_says_when_one_is_missing():
    EasyText.objects.filter(item=Item.MORE).delete()
    page = client_for(None).get(reverse("inclusion:easy")).content.decode()
    for item, (title, _body) in TEXTS.items():
        assert f'data-item="{item}"' in page
        if item != Item.MORE:
            assert title in page
    assert page.count("data-missing") == 1
    assert "Diesen Text gibt es noch nicht in Leichter Sprache." in page


def test_only_itd_manages(member, coordinator):
    for user in (member, coordinator):
        with pytest.raises(PermissionDenied):
            services.easy_text_save(actor=user, item="inhalt", title="x", body="y")
        with pytest.raises(PermissionDenied):
            services.easy_text_sign_off(
                actor=user,
                text=EasyText.objects.get(item="inhalt"),
                readers="x",
                checked_on=timezone.localdate(),
            )
        with pytest.raises(PermissionDenied):
            services.video_upload(
                actor=user, item="inhalt", video=None, captions=None, transcript=""
            )
        assert client_for(user).get(reverse("inclusion:manage")).status_code == 403


# --- videos ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("videos")
    return {
        "good": make_video(folder / "good.mp4"),
        "small": make_video(folder / "small.mp4", size="160x120"),
        "slow": make_video(folder / "slow.mp4", rate=15),
    }


def _upload(itd, path: Path | None, captions: bytes | None = CAPTIONS, transcript="Hallo."):
    return services.video_upload(
        actor=itd,
        item="inhalt",
        video=SimpleUploadedFile("v.mp4", path.read_bytes(), "video/mp4") if path else None,
        captions=SimpleUploadedFile("c.vtt", captions, "text/vtt") if captions else None,
        transcript=transcript,
    )


@pytest.mark.parametrize(
    ("name", "captions", "field", "reason"),
    [
        ("small", CAPTIONS, "video", "160 × 120 Pixel"),
        ("slow", CAPTIONS, "video", "15 Bilder je Sekunde"),
        ("good", None, "captions", "Ohne Untertitel"),
        ("good", b"00:00.000 --> 00:01.000\nHallo", "captions", "WebVTT"),
    ],
)
def test_a_video_below_bitv_or_without_captions_is_refused(
    itd, videos, name, captions, field, reason
):
    with pytest.raises(ValidationError) as error:
        _upload(itd, videos[name], captions)
    assert reason in " ".join(error.value.message_dict[field])
    assert not Video.objects.exists()
    assert not any(Path(storages["inclusion_videos"].location).glob("*"))


def test_a_file_that_is_no_video_is_refused(itd, tmp_path, videos):
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"not a video at all")
    with pytest.raises(ValidationError) as error:
        _upload(itd, fake)
    assert "kein Video" in " ".join(error.value.message_dict["video"])


def test_a_good_video_is_shown_with_size_and_duration_and_downloads(
    itd, videos, django_capture_on_commit_callbacks
):
    client = client_for(itd)
    with videos["good"].open("rb") as video:
        response = client.post(
            reverse("inclusion:video_upload", args=["inhalt"]),
            {
                "video": video,
                "captions": SimpleUploadedFile("c.vtt", CAPTIONS, "text/vtt"),
                "transcript": "Hallo.",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = Video.objects.get(item="inhalt")
    assert (row.width, row.height, row.fps) == (320, 240, 25)
    assert row.size == videos["good"].stat().st_size
    page = client_for(None).get(reverse("inclusion:sign")).content.decode()
    assert "<span data-duration>00:02</span>" in page
    mb = f"{row.size / 1024 / 1024:.1f}".replace(".", ",")
    assert f"({mb} MB" in page
    assert page.count("data-missing") == 3  # the other three items say so, with the button
    download = client_for(None).get(reverse("inclusion:video", args=["inhalt"]) + "?download=1")
    assert download["Content-Type"] == "video/mp4"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == videos["good"].read_bytes()
    captions = client_for(None).get(reverse("inclusion:captions", args=["inhalt"]))
    assert captions.content.startswith(b"WEBVTT")
    # A new video replaces the old one and its file.
    old = row.file_name
    with django_capture_on_commit_callbacks(execute=True):
        _upload(itd, videos["good"], transcript="Neu.")
    assert not storages["inclusion_videos"].exists(old)
    assert Video.objects.get(item="inhalt").transcript == "Neu."


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", (0, 99)),
        ("bytes=100-", (100, 999)),
        ("bytes=-100", (900, 999)),
        ("bytes=-5000", (0, 999)),  # more than the file: all of it
        ("bytes=990-5000", (990, 999)),  # past the end: up to the end
        ("bytes=1000-", False),  # starts past the end
        ("bytes=-0", False),
        ("bytes=50-10", None),  # invalid: the whole file
        ("bytes=0-9,20-29", None),  # several ranges: the whole file
        ("items=0-9", None),
        ("bytes=-", None),
    ],
)
def test_a_range_header_is_read_as_rfc_9110_says(header, expected):
    assert requested_range(header, 1000) == expected


def test_the_video_is_served_in_parts_as_players_ask(itd, videos):
    """A player (Safari's above all) asks for parts: 206 with the part and its place in the
    whole, 416 past the end; without a usable Range the whole file, and Accept-Ranges always."""
    _upload(itd, videos["good"])
    content = videos["good"].read_bytes()
    size = len(content)
    url = reverse("inclusion:video", args=["inhalt"])
    client = client_for(None)

    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == content

    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{size}"
    assert part["Content-Length"] == "100" and part["Content-Type"] == "video/mp4"
    assert b"".join(part.streaming_content) == content[100:200]

    tail = client.get(url, headers={"Range": "bytes=-10"})
    assert b"".join(tail.streaming_content) == content[-10:]
    assert tail["Content-Range"] == f"bytes {size - 10}-{size - 1}/{size}"

    download = client.get(url + "?download=1", headers={"Range": "bytes=0-"})
    assert download.status_code == 206 and "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == content

    past = client.get(url, headers={"Range": f"bytes={size}-"})
    assert past.status_code == 416 and past["Content-Range"] == f"bytes */{size}"

    for ignored in ({"Range": "bytes=0-9,20-29"}, {"Range": "bytes=0-9", "If-Range": "x"}):
        answer = client.get(url, headers=ignored)
        assert answer.status_code == 200
        assert b"".join(answer.streaming_content) == content


# --- the request button ----------------------------------------------------------------------


def test_the_button_counts_once_per_session_page_and_kind(itd):
    visitor = client_for(None)
    url = reverse("inclusion:request")
    for _ in range(2):
        response = visitor.post(url, {"path": "/projects/", "kind": "leichte-sprache"})
        assert response.status_code == 302 and response["Location"] == "/projects/"
    visitor.post(url, {"path": "/projects/", "kind": "dgs"})
    client_for(None).post(url, {"path": "/projects/", "kind": "dgs"})
    counts = {r.kind: r.count for r in RequestCount.objects.filter(path="/projects/")}
    assert counts == {"leichte-sprache": 1, "dgs": 2}
    manage = client_for(itd).get(reverse("inclusion:manage")).content.decode()
    assert "/projects/" in manage and "data-total>2<" in manage


def test_the_button_refuses_a_strange_page_or_kind_and_limits(settings):
    visitor = client_for(None)
    url = reverse("inclusion:request")
    assert visitor.post(url, {"path": "https://evil.example/", "kind": "dgs"}).status_code == 400
    assert visitor.post(url, {"path": "/gibt-es-nicht/", "kind": "dgs"}).status_code == 400
    assert visitor.post(url, {"path": "/", "kind": "morse"}).status_code == 400
    assert not RequestCount.objects.exists()
    settings.INCLUSION_REQUEST_LIMIT = 2
    visitor.post(url, {"path": "/", "kind": "dgs"})
    visitor.post(url, {"path": "/projects/", "kind": "dgs"})
    assert visitor.post(url, {"path": "/spaces/", "kind": "dgs"}).status_code == 429


def test_start_page_and_footer_link_both_pages():
    page = client_for(None).get(reverse("home")).content.decode()
    assert page.count(f'href="{reverse("inclusion:easy")}"') == 2
    assert page.count(f'href="{reverse("inclusion:sign")}"') == 2
    assert 'value="leichte-sprache"' in page and 'value="dgs"' in page
