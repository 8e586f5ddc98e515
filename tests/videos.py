"""Small test videos made with Debian's ffmpeg (`make ffmpeg` installs it): a few kilobytes of
FFmpeg's test pattern with a tone, of the size and frame rate a test needs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CAPTIONS = b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHallo.\n"


def make_video(path: Path, *, size: str = "320x240", rate: int = 25, seconds: int = 2) -> Path:
    """An MP4 at `path`; the test is skipped (with the reason) where ffmpeg is missing."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None or shutil.which("ffprobe") is None:
        pytest.skip("ffmpeg is missing: `make test` installs it (make ffmpeg)")
    subprocess.run(  # noqa: S603 - fixed arguments
        [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc=size={size}:rate={rate}",
         "-f", "lavfi", "-i", "sine=frequency=440", "-t", str(seconds), "-c:v", "mpeg4",
         "-c:a", "aac", "-shortest", str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path
