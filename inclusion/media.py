"""What an uploaded video is, as ffprobe (FFmpeg, from Debian) reads it, and whether it meets
BITV 2.0 Anlage 2 Teil 1: at least 320 x 240 pixels and 25 frames a second; and whether its
captions are WebVTT. Each refusal names its reason."""

from __future__ import annotations

import json
import shutil
import subprocess  # noqa: S404 - ffprobe with a fixed argument list, no shell
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIN_WIDTH, MIN_HEIGHT, MIN_FPS = 320, 240, 25
# The containers a browser plays in <video>: MP4 and WebM.
CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2": "video/mp4", "matroska,webm": "video/webm"}
MAX_CAPTIONS = 200_000


@dataclass(frozen=True)
class Probe:
    """What ffprobe found in a video file."""

    content_type: str
    width: int
    height: int
    fps: Decimal
    duration: Decimal
    has_audio: bool


def ffprobe() -> str | None:
    return shutil.which("ffprobe")


def probe(path: Path) -> Probe:
    """Read the file with ffprobe; ValidationError (field "video") when it is no usable video."""
    program = ffprobe()
    if program is None:
        raise ValidationError(
            {"video": _("Videos können hier nicht geprüft werden: ffprobe (FFmpeg) fehlt.")}
        )
    try:
        result = subprocess.run(  # noqa: S603 - fixed arguments, the path is our temporary file
            [program, "-v", "error", "-print_format", "json", "-show_streams", "-show_format",
             str(path)],
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        data = json.loads(result.stdout or b"{}")
    except (subprocess.TimeoutExpired, ValueError):
        data = {}
    streams = data.get("streams") or []
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    container = (data.get("format") or {}).get("format_name", "")
    if result.returncode != 0 or video is None or container not in CONTAINERS:
        raise ValidationError({"video": _("Die Datei ist kein Video im Format MP4 oder WebM.")})
    try:
        rate = Fraction(video.get("avg_frame_rate") or "0/1")
    except (ValueError, ZeroDivisionError):
        rate = Fraction(0)
    if rate == 0:
        rate = Fraction(video.get("r_frame_rate") or "0/1")
    duration = Decimal(str((data.get("format") or {}).get("duration") or "0"))
    return Probe(
        content_type=CONTAINERS[container],
        width=int(video.get("width") or 0),
        height=int(video.get("height") or 0),
        fps=Decimal(rate.numerator) / Decimal(rate.denominator or 1),
        duration=duration.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        has_audio=any(s.get("codec_type") == "audio" for s in streams),
    )


def problems(found: Probe) -> list[str]:
    """Why the video does not meet BITV 2.0 Anlage 2; empty when it does."""
    reasons = []
    if found.width < MIN_WIDTH or found.height < MIN_HEIGHT:
        reasons.append(
            _("Das Video ist %(w)s × %(h)s Pixel groß; es muss mindestens 320 × 240 Pixel haben.")
            % {"w": found.width, "h": found.height}
        )
    if found.fps < MIN_FPS:
        reasons.append(
            _("Das Video hat %(fps)s Bilder je Sekunde; es braucht mindestens 25.")
            % {"fps": f"{found.fps:.2f}".rstrip("0").rstrip(".")}
        )
    if found.duration <= 0:
        reasons.append(_("Das Video hat keine Dauer."))
    return reasons


def webvtt(raw: bytes) -> str:
    """The captions as text if they are WebVTT with at least one cue; ValidationError else."""
    if len(raw) > MAX_CAPTIONS:
        raise ValidationError({"captions": _("Die Untertitel-Datei ist größer als 200 KB.")})
    try:
        text = raw.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        text = ""
    first = text.split("\n", 1)[0].strip()
    if not (first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t"))) or "-->" not in text:
        raise ValidationError(
            {
                "captions": _(
                    "Die Untertitel müssen eine WebVTT-Datei sein: sie beginnt mit „WEBVTT“ "
                    "und hat mindestens einen Untertitel mit Zeitangabe („-->“)."
                )
            }
        )
    return text.replace("\r\n", "\n")
