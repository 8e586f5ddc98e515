"""The Nu HTML Checker (vnu.jar, the W3C's validator) for the browser suite.

`make html-checker` installs the npm package `vnu-jar` into scripts/vnu/ and Java from Debian.
The checker runs as a local web service (one Java process per test process, on a free port of
127.0.0.1, stopped when the tests end), so each page costs one HTTP request, not a Java start.
A page's HTML is the server's answer as the browser received it, checked before any script ran.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

JAR = (
    Path(__file__).resolve().parent.parent
    / "scripts"
    / "vnu"
    / "node_modules"
    / "vnu-jar"
    / "build"
    / "dist"
    / "vnu.jar"
)
JAVA = shutil.which("java")
MISSING = (
    None
    if JAVA and JAR.exists()
    else "the Nu HTML Checker is not installed (make html-checker: Java and npm vnu-jar)"
)

Check = Callable[[str], list[str]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def errors_in(messages: list[dict]) -> list[str]:
    """The checker's errors (and fatal ones) as "line N: message"; warnings and info are not
    errors and are left out."""
    return [
        f"line {m.get('lastLine', '?')}: {m.get('message', '')}"
        for m in messages
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]


@pytest.fixture(scope="session")
def html_checker() -> Iterator[Check]:
    """check(html) -> the checker's errors for that document (an empty list when valid)."""
    if MISSING:
        pytest.skip(MISSING)
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(JAVA),
            "-Xss2m",  # its schema compiler recurses deeply; the default stack overflows
            # The quick compiler only, and one garbage collector thread: the suite keeps both
            # cores busy, and the optimising compiler and parallel collector spent about twice
            # the CPU (200 pages: 17-20 s against 10 s) for no faster answer at this count.
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Dnu.validator.servlet.bind-address=127.0.0.1",
            "-cp",
            str(JAR),
            "nu.validator.servlet.Main",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/?out=json"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()  # noqa: S310
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the Nu HTML Checker did not start") from None
                time.sleep(0.3)

        def check(html: str) -> list[str]:
            request = urllib.request.Request(
                url,
                data=html.encode("utf-8"),
                headers={"Content-Type": "text/html; charset=utf-8"},
            )
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - loopback
                return errors_in(json.load(answer)["messages"])

        yield check
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
