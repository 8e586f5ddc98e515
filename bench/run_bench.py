"""Median server time of the portfolio, a project page, the cockpit and the exports.

Each page is timed next to a minimal view of the same server (/healthz: one SELECT 1 and one
cache round trip) and printed as a ratio to it, so the figures compare across machines. This is a
benchmark, not a test: it prints figures and asserts nothing.

    # data first (PostgreSQL recommended), then measure against a gunicorn it starts itself:
    DATABASE_URL=postgres://... python bench/run_bench.py --generate 5000 100000
    # or against a running server (the data and the bench account must exist there):
    python bench/run_bench.py --url http://127.0.0.1:8000

The bench account is created by `manage.py generate_benchmark_data` (ITD staff with an
authenticator secret; the script signs in with password and TOTP code like a person would).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.cookiejar
import os
import statistics
import struct
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The account `manage.py generate_benchmark_data` creates (same constants there).
BENCH_EMAIL = "bench.itd@example.org"
BENCH_PASSWORD = "Bench-Hamburg-2026!"  # noqa: S105 - the local benchmark account
BENCH_TOTP_SECRET = "BENCHHAMBURGDIGITALRAEUMEXKEYS23"  # noqa: S105


def totp(secret: str, at: float | None = None) -> str:
    key = base64.b32decode(secret, casefold=True)
    counter = struct.pack(">Q", int(at or time.time()) // 30)
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


class Browser:
    """Cookies, CSRF and sign-in over plain HTTP, with nothing but the standard library."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _csrf(self) -> str | None:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def get(self, path: str) -> tuple[int, bytes, str]:
        try:
            with self.opener.open(self.base + path, timeout=300) as response:  # noqa: S310
                return response.status, response.read(), response.geturl()
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.geturl()

    def post(self, path: str, data: dict) -> tuple[int, bytes, str]:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self._csrf()}).encode()
        request = urllib.request.Request(  # noqa: S310
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        try:
            with self.opener.open(request, timeout=60) as response:  # noqa: S310
                return response.status, response.read(), response.geturl()
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.geturl()

    def sign_in(self, email: str, password: str, secret: str) -> None:
        self.get("/accounts/login/")
        _, body, url = self.post("/accounts/login/", {"login": email, "password": password})
        if b'name="code"' in body:
            path = urllib.parse.urlparse(url).path
            _, body, url = self.post(path, {"code": totp(secret)})
        status, body, url = self.get("/dashboard/")
        if status != 200 or "/accounts/" in url:
            raise SystemExit(f"Sign-in as {email} failed (ended at {url}).")


def median_ms(browser: Browser, path: str, runs: int) -> tuple[float, int, int]:
    status, body, _ = browser.get(path)  # warm up (and check)
    if status != 200:
        raise SystemExit(f"GET {path} answered {status}")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        status, body, _ = browser.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), len(body), status


def bench_env() -> dict[str, str]:
    """Production-like settings (DEBUG off) over plain HTTP on localhost."""
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijkl"),
        "FIELD_ENCRYPTION_KEYS": os.environ.get(
            "FIELD_ENCRYPTION_KEYS", "CYIdheBVvCIHMaUvMeCiPOmv58Qh-hB_uAks6nSSawQ="
        ),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_HTTPS": "false",
        "SECURE_SSL_REDIRECT": "false",
    }


def start_server(port: int) -> subprocess.Popen:
    env = bench_env()
    python = sys.executable
    subprocess.run(  # noqa: S603 - our own manage.py
        [python, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    server = subprocess.Popen(  # noqa: S603
        [
            python,
            "-m",
            "gunicorn",
            "hamburg_digital.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("The server did not start.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server; default: start gunicorn on --port")
    parser.add_argument("--port", type=int, default=8011)
    parser.add_argument("--runs", type=int, default=15, help="timed requests per page")
    parser.add_argument("--export-runs", type=int, default=5, help="timed requests per export")
    parser.add_argument(
        "--generate",
        nargs=2,
        type=int,
        metavar=("PROJECTS", "LINES"),
        help="run generate_benchmark_data first",
    )
    args = parser.parse_args()

    if args.generate:
        # A fresh database needs its tables (and the reference data) first.
        subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
            cwd=ROOT,
            env=bench_env(),
            check=True,
        )
        subprocess.run(  # noqa: S603 - our own manage.py
            [
                sys.executable,
                "manage.py",
                "generate_benchmark_data",
                "--projects",
                str(args.generate[0]),
                "--lines",
                str(args.generate[1]),
                "--force",
            ],
            cwd=ROOT,
            env=bench_env(),
            check=True,
        )
    server = None if args.url else start_server(args.port)
    base = args.url or f"http://127.0.0.1:{args.port}"
    try:
        browser = Browser(base)
        browser.sign_in(BENCH_EMAIL, BENCH_PASSWORD, BENCH_TOTP_SECRET)
        pages = [
            ("minimal view /healthz", "/healthz", args.runs),
            ("portfolio /projects/", "/projects/", args.runs),
            (
                "portfolio, filtered and sorted",
                "/projects/?year=2026&sort=-start&page=3",
                args.runs,
            ),
            ("project page", "/projects/bench-00042/", args.runs),
            ("cockpit /dashboard/", "/dashboard/", args.runs),
            ("portfolio export CSV", "/projects/export.csv", args.export_runs),
            ("portfolio export XLSX", "/projects/export.xlsx", args.export_runs),
            ("budget lines export CSV", "/projects/budget-lines/export.csv", args.export_runs),
            ("budget lines export XLSX", "/projects/budget-lines/export.xlsx", args.export_runs),
        ]
        results = [(label, *median_ms(browser, path, runs)) for label, path, runs in pages]
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
    baseline = results[0][1]
    print(f"\nServer: {base}   (median of the timed requests, after one warm-up)")
    print(f"{'page':<34}{'median ms':>12}{'x /healthz':>12}{'bytes':>12}")
    for label, ms, size, _status in results:
        print(f"{label:<34}{ms:>12.1f}{ms / baseline:>12.1f}{size:>12}")


if __name__ == "__main__":
    main()
