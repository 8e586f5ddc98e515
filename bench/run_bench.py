"""`make bench`: the portal at city scale, measured against itself.

What it does, all on this machine (loopback only):

1. creates the PostgreSQL database (default hd_bench) anew, migrates it and generates the data
   (`manage.py generate_benchmark_data`: projects, lines, people, memberships, audit trail);
2. starts gunicorn with two workers under production settings (DEBUG off) on a free port
   (8021-8030), with BENCH_QUERY_COUNT=1 so that each response names its queries;
3. signs in as four roles, like a person: ITD staff, a digitalisation officer, a member of the
   largest space (password and TOTP code) and a guest of it (password only: an external person,
   no second factor);
4. times every page of the portal for every role that may open it (403 or 404: not measured,
   "–"), next to /healthz, interleaved (healthz, page, healthz, page, ...), and prints median
   and p95 as ratios to the median of /healthz, the queries and the HTML size, against the
   targets (every page <= 10x, the median page <= 6x, the bare layout <= 2x, <= 300 KB);
5. times the CSV exports against PostgreSQL's `COPY (SELECT ...) TO STDOUT` of the same query
   and measures the serving worker's memory during the export, at two sizes;
5b. writes the background reports as the Celery worker does (bench/report_one.py, a process
   each): the budget-lines XLSX and the budget report against COPY of the same lines, with the
   growth of the process's peak memory at two sizes (the budget-lines XLSX: rows written by
   PostgreSQL, core.xlsx_stream), and XlsxWriter cell by cell and openpyxl's write-only mode
   beside it;
6. runs a load test: locust, headless, N signed-in users (the four roles' sessions) for S
   seconds on the pages of step 4, each user reading a page for 1-3 s before the next;
7. unless --quick: adds as much data again (the generate commands' --append), times the same
   pages again and prints each page's growth (target: no page more than +20 %).

It asserts nothing: it prints figures (targets next to them). Smaller data for a quick run:
`make bench BENCH_PROJECTS=500 BENCH_LINES=10000 BENCH_PEOPLE=2000 BENCH_AUDIT=15000`.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import hmac
import http.cookiejar
import io
import json
import os
import platform
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.audiences import Actor

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The accounts `manage.py generate_benchmark_data` creates (same constants there): one per
# role, and four more per role for the load test (a TOTP code counts once per account).
BENCH_EMAIL = "bench.itd@example.org"
BENCH_OFFICER_EMAIL = "bench.officer@example.org"
ROLE_ACCOUNTS = {"ITD": "itd", "officer": "officer", "member": "member", "guest": "guest"}
ROLE_EMAILS = {role: f"bench.{key}@example.org" for role, key in ROLE_ACCOUNTS.items()}
LOAD_ACCOUNTS = {
    role: [f"bench.load.{key}{k}@example.org" for k in range(1, 5)]
    for role, key in ROLE_ACCOUNTS.items()
}
BENCH_PASSWORD = "Bench-Hamburg-2026!"  # noqa: S105 - the local benchmark account
BENCH_TOTP_SECRET = "BENCHHAMBURGDIGITALRAEUMEXKEYS23"  # noqa: S105
LARGE_SPACE = "urbanes-leben"

# The targets of issue 20: each page's median and the median of a role's pages as multiples of
# /healthz's median, the bare signed-in layout, the HTML's size, the growth at double the data.
PAGE_TARGET = 10.0
MEDIAN_PAGE_TARGET = 6.0
LAYOUT_TARGET = 2.0
LAYOUT = "layout (legal notice)"
MAX_KB = 300
GROWTH_TARGET = 20.0
LOAD_TARGET = 10.0


def totp(secret: str, at: float | None = None) -> str:
    key = base64.b32decode(secret, casefold=True)
    counter = struct.pack(">Q", int(at or time.time()) // 30)
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Answers a redirect as it is (an HTTPError with its 3xx code) instead of following it."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """Cookies, CSRF and sign-in over plain HTTP, with nothing but the standard library."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        # The pages are timed without following redirects: a page that sends a role elsewhere
        # (the sign-in, a second factor to enrol) is not that role's page.
        self.direct = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def _csrf(self) -> str | None:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def get(self, path: str, *, follow: bool = True) -> tuple[int, bytes, dict[str, str]]:
        opener = self.opener if follow else self.direct
        try:
            with opener.open(self.base + path, timeout=300) as response:  # noqa: S310
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

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

    def sign_in(self, email: str) -> None:
        """Password, then the authenticator's code if the account has one and allauth asks for
        it (ITD, officers, the member; the guest has none). Checked on the notification centre,
        which every signed-in role may open, without following a redirect to the sign-in or to
        the enrolment of a second factor."""
        self.get("/accounts/login/")
        _, body, url = self.post("/accounts/login/", {"login": email, "password": BENCH_PASSWORD})
        if b'name="code"' in body:
            _, body, url = self.post(
                urllib.parse.urlparse(url).path, {"code": totp(BENCH_TOTP_SECRET)}
            )
        status, _body, _headers = self.get("/notifications/", follow=False)
        if status != 200:
            raise SystemExit(f"Sign-in as {email} failed (/notifications/ answered {status}).")

    def cookies(self) -> dict[str, str]:
        return {c.name: c.value or "" for c in self.jar}


def timed_get(
    browser: Browser, path: str, *, follow: bool = True
) -> tuple[float, int, bytes, dict[str, str]]:
    started = time.perf_counter()
    status, body, headers = browser.get(path, follow=follow)
    return (time.perf_counter() - started) * 1000, status, body, headers


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --- Set-up: database, data, server ------------------------------------------------------------


def bench_env(args: argparse.Namespace) -> dict[str, str]:
    """Production settings (DEBUG off) over plain HTTP on localhost."""
    return {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijkl"),
        "FIELD_ENCRYPTION_KEYS": os.environ.get(
            "FIELD_ENCRYPTION_KEYS", "CYIdheBVvCIHMaUvMeCiPOmv58Qh-hB_uAks6nSSawQ="
        ),
        "API_TOKEN_PEPPERS": os.environ.get("API_TOKEN_PEPPERS", "bench-only-pepper-0123456789"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_HTTPS": "false",
        "SECURE_SSL_REDIRECT": "false",
        "BENCH_QUERY_COUNT": "1",
    }


def manage(args: argparse.Namespace, *command: str) -> None:
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *command], cwd=ROOT, env=bench_env(args), check=True
    )


def fresh_database(args: argparse.Namespace) -> None:
    import psycopg2

    url = urllib.parse.urlparse(args.database_url)
    name = url.path.lstrip("/")
    admin = psycopg2.connect(args.database_url.replace(url.path, "/postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()


def free_port(first: int = 8021, last: int = 8030) -> int:
    for port in range(first, last + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"No free port in {first}-{last}.")


def start_server(args: argparse.Namespace, port: int) -> subprocess.Popen:
    manage(args, "collectstatic", "--noinput", "--verbosity", "0")
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "hamburg_digital.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=bench_env(args),
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("The server did not start.")


def workers_of(server: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# --- Django in this process: the exports' own SQL for COPY, EXPLAIN ---------------------------


def django_setup(args: argparse.Namespace) -> None:
    os.environ.update(bench_env(args))
    os.environ.pop("BENCH_QUERY_COUNT", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hamburg_digital.settings")
    import django

    django.setup()


def pick_projects() -> dict[str, str]:
    """The project page measured: of the officer's authority, internal and in the largest space,
    the one with the most lines, so that every role may open it (staff see internal projects,
    guests those of their spaces) and all but the guest see its budget (ITD, its authority's
    officer, members of its space); any project of the authority if the data has no such one."""
    from django.db.models import Count

    from contacts.models import DigitalOfficer
    from projects.models import Project

    authority = DigitalOfficer.objects.get(person__user__email=BENCH_OFFICER_EMAIL).authority_id
    ours = Project.objects.filter(lead_authority_id=authority, slug__startswith="bench-")
    everyone = ours.filter(visibility=Project.Visibility.INTERNAL, primary_space__slug=LARGE_SPACE)
    project = (
        (everyone if everyone.exists() else ours)
        .annotate(n=Count("budget_lines"))
        .order_by("-n", "pk")
        .first()
    )
    assert project is not None, "the benchmark data has no project of this authority"
    return {"slug": project.slug, "lines": project.n}  # type: ignore[attr-defined]


def pick_thread_and_goal() -> tuple[int, int]:
    """A discussion of the largest space with the most posts (generate_search_data writes 20
    per thread) and the first goal of that space's strategy (generate_page_data)."""
    from discussions.models import Thread
    from strategy.models import Goal

    thread = (
        Thread.objects.filter(space__slug=LARGE_SPACE, title__startswith="Benchmark: ")
        .order_by("-post_count", "pk")
        .first()
    )
    goal = Goal.objects.filter(space__slug=LARGE_SPACE).order_by("code", "pk").first()
    assert thread is not None and goal is not None, "no benchmark thread or goal"
    return thread.pk, goal.pk


def portal_pages(project_slug: str, thread: int, goal: int) -> list[tuple[str, str]]:
    """Every page of the portal that issue 20 names, as (label, path); each role opens each,
    and a page it may not open (403, 404, a redirect) is not measured for it."""
    space = f"/spaces/{LARGE_SPACE}/"
    return [
        (LAYOUT, "/legal-notice/"),
        ("notification centre", "/notifications/"),
        ("dashboard / cockpit", "/dashboard/"),
        ("space page", space),
        ("space page, page 40", f"{space}?page=40"),
        ("meetings of the space", f"{space}meetings/"),
        ("discussion (20 posts)", f"/discussions/{thread}/"),
        ("search", "/search/?q=Digitalisierung"),
        ("portfolio", "/projects/"),
        ("portfolio, filtered", "/projects/?year=2026&sort=-start&page=3"),
        ("project page", f"/projects/{project_slug}/"),
        ("matrix", "/contacts/matrix/"),
        ("people directory", "/contacts/people/"),
        ("reports", "/reports/"),
        ("strategy overview", "/strategy/"),
        ("strategy goal", f"/strategy/goals/{goal}/"),
        # The API (issue 18): the project list and a page of budget lines, by session.
        ("API: projects", "/api/v1/projects/"),
        ("API: budget lines, page 10", "/api/v1/budget-lines/?fiscal_year=2026&page=10"),
    ]


def copy_seconds(queryset, runs: int) -> tuple[float, int]:
    """Median seconds of COPY (the queryset's SQL) TO STDOUT as CSV, and its bytes."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        query = cursor.mogrify(sql, params).decode()
        times, size = [], 0
        for _ in range(runs):
            sink = io.BytesIO()
            started = time.perf_counter()
            cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, DELIMITER ';')", sink)
            times.append(time.perf_counter() - started)
            size = sink.tell()
    return statistics.median(times), size


def explain(sql: str, params: list) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql, params)
        return [row[0] for row in cursor.fetchall()]


def explains(slug: str) -> list[tuple[str, list[str]]]:
    """The plans of the queries whose cost would grow with the audit trail and security log."""
    from django.db.models import Q

    from contacts.models import User
    from core.models import SecurityEvent
    from projects.models import Project
    from projects.selectors.project_page import project_audit_queryset

    project = Project.objects.get(slug=slug)
    audit = project_audit_queryset(project)
    user = User.objects.get(email=BENCH_OFFICER_EMAIL)
    security = SecurityEvent.objects.filter(
        Q(user=user) | Q(user__isnull=True, user_label__iexact=user.email)
    )[:8]
    plans = []
    for label, qs in (("project audit trail", audit), ("security log of one account", security)):
        sql, params = qs.query.sql_with_params()
        plans.append((label, explain(sql, list(params))))
    return plans


# --- The measurements ------------------------------------------------------------------------


def probe(browser: Browser, path: str) -> dict[str, Any]:
    """One untimed request (it also warms the caches): the status, queries and size; a page is
    measured for the role only if it answers 200 without a redirect."""
    _ms, status, body, headers = timed_get(browser, path, follow=False)
    return {
        "path": path,
        "status": status,
        "bytes": len(body),
        "queries": headers.get("X-Query-Count", "?"),
        "times": [],
    }


def measure_pages(
    base: str, browsers: dict[str, Browser], pages: list[tuple[str, str]], runs: int
) -> tuple[dict[tuple[str, str], dict[str, Any]], list[float]]:
    """Every (role, page) the role may open, `runs` times each, each request after one of
    /healthz (interleaved, so both see the same load on the machine). Returns the figures by
    (role, page label), the unmeasured ones with their status, and the /healthz times."""
    healthz = Browser(base)
    results = {
        (role, label): probe(browser, path)
        for role, browser in browsers.items()
        for label, path in pages
    }
    measured = [(key, r["path"]) for key, r in results.items() if r["status"] == 200]
    health_times: list[float] = []
    for _ in range(runs):
        for (role, label), path in measured:
            health_times.append(timed_get(healthz, "/healthz")[0])
            results[(role, label)]["times"].append(timed_get(browsers[role], path, follow=False)[0])
    return results, health_times


def measure_export(
    server: subprocess.Popen, browser: Browser, path: str, runs: int
) -> dict[str, float]:
    """Median time and bytes of a CSV download, and the largest growth of a worker's memory
    while it was sent (sampled every 5 ms; the first run, on workers that had served pages)."""
    pids = workers_of(server)
    growth = 0
    times = []
    size = 0
    for run in range(runs):
        baseline = {pid: rss_kib(pid) for pid in pids}
        peak = dict(baseline)
        done = threading.Event()

        def sample(baseline=baseline, peak=peak, done=done):
            while not done.is_set():
                for pid in baseline:
                    peak[pid] = max(peak[pid], rss_kib(pid))
                time.sleep(0.005)

        sampler = threading.Thread(target=sample)
        sampler.start()
        ms, status, body, _headers = timed_get(browser, path)
        done.set()
        sampler.join()
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}")
        times.append(ms)
        size = len(body)
        if run == 0:
            growth = max(peak[pid] - baseline[pid] for pid in pids)
    return {"ms": statistics.median(times), "bytes": size, "growth_mib": growth / 1024}


def measure_report(args: argparse.Namespace, *options: str) -> dict[str, Any]:
    """bench/report_one.py in a process of its own (its peak memory is the report's)."""
    env = {k: v for k, v in bench_env(args).items() if k != "BENCH_QUERY_COUNT"}
    done = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "bench" / "report_one.py"), *options],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_reports(args: argparse.Namespace, user: Actor) -> list[tuple[str, dict, float, int]]:
    """(label, figures, COPY ms of the same lines, lines) for each background report."""
    from projects import exports as export_module
    from projects.selectors.portfolio import portfolio

    found = []
    for label, options, year in (
        ("budget lines XLSX, 2026", ("--kind", "lines", "--year", "2026"), 2026),
        ("budget lines XLSX, all", ("--kind", "lines"), None),
        ("  XlsxWriter per cell, all", ("--writer", "xlsxwriter"), None),
        ("  openpyxl write-only, all", ("--writer", "openpyxl"), None),
        ("budget report XLSX, 2026", ("--kind", "budget", "--year", "2026"), 2026),
    ):
        lines = export_module.budget_lines_queryset(user, portfolio(user, year=year), year=year)
        copy_s, _bytes = copy_seconds(lines, args.export_runs)
        figures = measure_report(args, *options)
        found.append((label, figures, copy_s * 1000, lines.count()))
    return found


def print_reports(reports: list[tuple[str, dict, float, int]]) -> None:
    print(
        f"\n{'Report (worker)':<28}{'lines':>8}{'rows':>8}{'MB':>7}{'s':>7}{'COPY ms':>9}"
        f"{'x COPY':>8}{'target':>8}{'RSS +MiB':>10}"
    )
    for label, f, copy_ms, lines in reports:
        ratio = f["seconds"] * 1000 / copy_ms
        print(
            f"{label:<28}{lines:>8}{f['rows']:>8}{f['bytes'] / 1e6:>7.1f}{f['seconds']:>7.2f}"
            f"{copy_ms:>9.0f}{ratio:>8.1f}{'<=10 ' + ('ok' if ratio <= 10 else 'MISS'):>8}"
            f"{f['peak_growth_mib']:>10.1f}"
        )
    print(
        "x COPY: the report's time over COPY of the same budget lines to CSV; RSS +MiB: how far "
        "the writing process's resident memory rose while writing (flat: it does not grow with "
        "the lines)"
    )


SEARCH_WORD = "Ladesäulen"


def measure_search(browser: Browser, runs: int) -> dict[str, Any]:
    """The search over the posts (and every kind) next to a primary-key lookup page of the same
    server (a person's page), interleaved; and the plan of the posts' full-text query."""
    from contacts.models import Person
    from discussions.models import Post
    from search.engine import Terms, match
    from search.providers import POST_FIELDS

    person = Person.objects.filter(user__email__startswith="bench.").order_by("pk").first()
    assert person is not None
    quoted = urllib.parse.quote(SEARCH_WORD)
    paths = {
        "person page (primary key)": f"/contacts/people/{person.pk}/",
        "search, discussions": f"/search/?q={quoted}&kind=discussions",
        "search, all kinds": f"/search/?q={quoted}",
    }
    times: dict[str, list[float]] = {label: [] for label in paths}
    figures: dict[str, dict[str, Any]] = {}
    for label, path in paths.items():  # warm up and check
        _ms, status, body, headers = timed_get(browser, path)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}")
        figures[label] = {"bytes": len(body), "queries": headers.get("X-Query-Count", "?")}
    for _ in range(runs):
        for label, path in paths.items():
            times[label].append(timed_get(browser, path)[0])
    terms = Terms.of(SEARCH_WORD)
    queryset = match(Post.objects.all(), POST_FIELDS, terms, stored="search_vector").order_by(
        "-rank"
    )
    sql, params = queryset.values("pk")[:20].query.sql_with_params()
    return {
        "rows": Post.objects.count(),
        "matching": queryset.count(),
        "times": times,
        "figures": figures,
        "plan": explain(sql, list(params)),
    }


def print_search(search: dict[str, Any], args: argparse.Namespace) -> None:
    times = search["times"]
    base = statistics.median(times["person page (primary key)"])
    print(
        f"\nSearch for {SEARCH_WORD!r} over {search['rows']:,} posts ({search['matching']:,} "
        f"match), median of {args.runs}, interleaved, as ITD:"
    )
    print(f"{'page':<28}{'median ms':>10}{'p95 ms':>9}{'x pk page':>10}{'queries':>9}{'KB':>7}")
    for label, values in times.items():
        ratio = statistics.median(values) / base
        mark = "" if label.startswith("person") else (" ok" if ratio <= 3 else " MISS (aim 3x)")
        figures = search["figures"][label]
        print(
            f"{label:<28}{statistics.median(values):>10.1f}{p95(values):>9.1f}{ratio:>10.1f}"
            f"{figures['queries']:>9}{figures['bytes'] / 1024:>7.0f}" + mark
        )
    print("EXPLAIN ANALYZE of the posts' full-text query (the GIN index post_search_vector_idx):")
    for line in search["plan"]:
        print("    " + line)


def load_sessions(base: str) -> list[dict[str, Any]]:
    """The load test's sessions: each load account of each role signed in once, here (so the
    load is the pages, not the sign-in), in turn by role."""
    sessions = []
    for k in range(len(next(iter(LOAD_ACCOUNTS.values())))):
        for role, emails in LOAD_ACCOUNTS.items():
            browser = Browser(base)
            browser.sign_in(emails[k])
            sessions.append({"role": role, "cookies": browser.cookies()})
    return sessions


def load_test(
    args: argparse.Namespace, base: str, sessions: list[dict], pages: dict[str, dict[str, str]]
) -> tuple[dict[str, dict[str, str]], list[dict[str, str]]]:
    """locust, headless, against the server: the stats by page (and "Aggregated") and the
    failures. `pages`: each role's pages (label: path), those it opened in the measurement."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "sessions.json"
        config.write_text(
            json.dumps({"sessions": sessions, "pages": pages, "wait": args.load_wait})
        )
        prefix = Path(tmp) / "load"
        run = subprocess.run(  # noqa: S603 - locust from the virtualenv, against our own server
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.load_users),
                "--spawn-rate",
                str(max(1, args.load_users // 5)),
                "--run-time",
                f"{args.load_seconds}s",
                "--host",
                base,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**os.environ, "BENCH_LOAD_CONFIG": str(config)},
            check=False,
            capture_output=True,
            text=True,
        )
        if run.returncode not in (0, 1):  # 1: some requests failed, reported below
            print(run.stderr[-3000:])
        with open(f"{prefix}_stats.csv", newline="") as stats:
            rows = {row["Name"]: row for row in csv.DictReader(stats)}
        with open(f"{prefix}_failures.csv", newline="") as failures:
            errors = list(csv.DictReader(failures))
    return rows, errors


def append_data(args: argparse.Namespace) -> None:
    """As much data again: projects, budget lines, people with their memberships, audit trail
    and posts (the generate commands' --append), for the second measurement."""
    manage(args, *generate_options(args), "--append")
    manage(args, "generate_search_data", "--posts", str(args.search_posts), "--force", "--append")


def generate_options(args: argparse.Namespace) -> list[str]:
    return [
        "generate_benchmark_data",
        "--projects",
        str(args.projects),
        "--lines",
        str(args.lines),
        "--people",
        str(args.people),
        "--audit",
        str(args.audit),
        "--force",
    ]


def generate_data(args: argparse.Namespace) -> None:
    """A new database with the benchmark data: people, projects, lines, audit trail, posts,
    and what the remaining pages show (strategy, meetings, notices)."""
    fresh_database(args)
    manage(args, "migrate", "--noinput", "--verbosity", "0")
    manage(args, *generate_options(args))
    manage(args, "generate_search_data", "--posts", str(args.search_posts), "--force")
    manage(args, "generate_page_data", "--force")


def print_header(args: argparse.Namespace, base: str) -> None:
    print("\n" + "=" * 100)
    print(
        f"make bench  {time.strftime('%Y-%m-%d %H:%M')}  {platform.node()}  "
        f"{os.cpu_count()} cores  Python {platform.python_version()}  server {base} "
        "(gunicorn, 2 workers, DEBUG off)"
    )
    print(
        f"data: {args.projects} projects, {args.lines} budget lines, {args.people} people, "
        f"{args.audit} audit entries, {args.search_posts} posts; {args.runs} timed requests "
        "per page and role"
    )


Results = dict[tuple[str, str], dict[str, Any]]


def ratio(result: dict[str, Any], health: float) -> float:
    return statistics.median(result["times"]) / health


def cell(result: dict[str, Any] | None, health: float, label: str) -> str:
    """One role's figures of a page: x median, x p95, queries, KB; a '*' after a figure over
    its target; '–' if the role may not open the page, the status if it failed otherwise."""
    if result is None or not result["times"]:
        status = None if result is None else result["status"]
        shown = "–" if status in (None, 403, 404) else f"HTTP {status}"
        return f"{shown:>24}"
    median = ratio(result, health)
    high = p95(result["times"]) / health
    limit = LAYOUT_TARGET if label == LAYOUT else PAGE_TARGET
    kb = result["bytes"] / 1024
    return (
        f"{median:>6.1f}{'*' if median > limit else ' '}{high:>6.1f}{result['queries']:>4}"
        f"{kb:>6.0f}{'*' if kb > MAX_KB else ' '}"
    )


def print_pages(results: Results, health: list[float], title: str) -> None:
    """A row per page, a block per role; then each role against the targets."""
    base = statistics.median(health)
    roles = list(dict.fromkeys(role for role, _label in results))
    labels = list(dict.fromkeys(label for _role, label in results))
    print(
        f"\n{title}: /healthz median {base:.1f} ms, p95 {p95(health):.1f} ms over {len(health)} "
        "requests interleaved with the pages"
    )
    print(f"{'role':<28}" + "".join(f"{role:>24}" for role in roles))
    print(f"{'page':<28}" + f"{'x med':>7}{'x p95':>6}{'q':>4}{'KB':>7}" * len(roles))
    for label in labels:
        print(f"{label:<28}" + "".join(cell(results.get((r, label)), base, label) for r in roles))
    print(
        "x med / x p95: the page's median / p95 over the median of /healthz; q: queries; "
        f"KB: HTML; *: over target (each page <= {PAGE_TARGET:g}x, the layout <= "
        f"{LAYOUT_TARGET:g}x, <= {MAX_KB} KB); –: the role may not open the page (403/404)"
    )
    for role in roles:
        print_role_targets(role, {lb: r for (ro, lb), r in results.items() if ro == role}, base)
    failed = [(key, r) for key, r in results.items() if r["status"] not in (200, 403, 404)]
    for (role, label), r in failed:
        print(f"  not measured: {role}, {label} ({r['path']}) answered {r['status']}")


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISS"


def print_role_targets(role: str, pages: dict[str, dict[str, Any]], health: float) -> None:
    """One line per role: pages measured, the median page, the layout, pages over target."""
    measured = {label: r for label, r in pages.items() if r["times"]}
    if not measured:
        print(f"{role}: no page measured")
        return
    ratios = {label: ratio(r, health) for label, r in measured.items()}
    middle = statistics.median(ratios.values())
    layout = ratios.get(LAYOUT)
    slow = [f"{lb} {x:.1f}x" for lb, x in ratios.items() if x > PAGE_TARGET and lb != LAYOUT]
    heavy = [
        f"{lb} {r['bytes'] / 1024:.0f} KB"
        for lb, r in measured.items()
        if r["bytes"] > MAX_KB * 1024
    ]
    shown_layout = (
        "–"
        if layout is None
        else f"{layout:.1f}x (<= {LAYOUT_TARGET:g}x {verdict(layout <= LAYOUT_TARGET)})"
    )
    print(
        f"{role}: {len(measured)} pages; median page {middle:.1f}x "
        f"(<= {MEDIAN_PAGE_TARGET:g}x {verdict(middle <= MEDIAN_PAGE_TARGET)}); "
        f"layout {shown_layout}; over {PAGE_TARGET:g}x: {', '.join(slow) or 'none'}; "
        f"over {MAX_KB} KB: {', '.join(heavy) or 'none'}"
    )


def print_growth(
    first: tuple[Results, list[float]],
    second: tuple[Results, list[float]],
    args: argparse.Namespace,
) -> None:
    """Each page's median at double the data against the first run, both as multiples of their
    own run's /healthz (so that what else the shared machine does in between cancels out)."""
    (one, health_one), (two, health_two) = first, second
    base_one, base_two = statistics.median(health_one), statistics.median(health_two)
    roles = list(dict.fromkeys(role for role, _label in one))
    labels = list(dict.fromkeys(label for _role, label in one))
    print(
        f"\nGrowth at double the data ({2 * args.projects} projects, {2 * args.lines} budget "
        f"lines, {2 * args.people} people, {2 * args.search_posts} posts; /healthz "
        f"{base_one:.1f} -> {base_two:.1f} ms): the median's change in %"
    )
    print(f"{'page':<28}" + "".join(f"{role:>10}" for role in roles))
    grown = []
    for label in labels:
        cells = []
        for role in roles:
            a, b = one.get((role, label)), two.get((role, label))
            if not a or not b or not a["times"] or not b["times"]:
                cells.append(f"{'–':>10}")
                continue
            growth = (ratio(b, base_two) / ratio(a, base_one) - 1) * 100
            if growth > GROWTH_TARGET:
                grown.append(f"{role}: {label} {growth:+.0f} %")
            cells.append(f"{growth:>+8.0f}%{'*' if growth > GROWTH_TARGET else ' '}")
        print(f"{label:<28}" + "".join(cells))
    print(
        "each median relative to its run's /healthz median; *: over the target "
        f"(+{GROWTH_TARGET:g} %); over: {'; '.join(grown) or 'none'}"
    )


def print_load(
    load: dict[str, dict[str, str]],
    failures: list[dict[str, str]],
    single_median: float,
    args: argparse.Namespace,
) -> None:
    total = load.get("Aggregated", {})
    print(
        f"\nLoad: {args.load_users} signed-in users for {args.load_seconds} s (locust, headless; "
        f"the four roles' sessions in turn, each user on its role's pages above, chosen at random; "
        f"{args.load_wait[0]:g}-{args.load_wait[1]:g} s per page read)"
    )
    print(f"{'request':<28}{'count':>8}{'errors':>8}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}")
    for name, row in load.items():
        print(
            f"{name:<28}{row['Request Count']:>8}{row['Failure Count']:>8}"
            f"{float(row['Requests/s']):>8.1f}{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}"
        )
    for failure in failures[:10]:
        print(f"  error: {failure['Name']}: {failure['Error']} ({failure['Occurrences']}x)")
    if total:
        x = float(total["95%"]) / single_median
        print(
            f"p95 under load / single-user median of the same pages and roles "
            f"({single_median:.1f} ms): {x:.1f}x (target <= {LOAD_TARGET:g}x: "
            f"{'ok' if x <= LOAD_TARGET else 'MISS'}); errors: {total['Failure Count']} (target 0)"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/hd_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--projects", type=int, default=5000)
    parser.add_argument("--lines", type=int, default=100000)
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--audit", type=int, default=150000)
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page and role")
    parser.add_argument("--export-runs", type=int, default=3)
    parser.add_argument("--load-users", type=int, default=50)
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument(
        "--load-wait",
        type=float,
        nargs=2,
        default=(1.0, 3.0),
        metavar=("MIN", "MAX"),
        help="seconds a user reads a page before the next (0 0: back to back)",
    )
    parser.add_argument("--keep-data", action="store_true", help="skip database and data")
    parser.add_argument("--search-posts", type=int, default=100000, help="posts to search")
    parser.add_argument(
        "--search-only", action="store_true", help="measure the search only (quick)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="no second run at double the data (unless --double)"
    )
    parser.add_argument(
        "--double",
        action="store_true",
        help="after the load test, add as much data again and measure the pages again "
        "(the default unless --quick)",
    )
    args = parser.parse_args()
    args.double = args.double or not args.quick
    return args


def sign_in_roles(base: str) -> dict[str, Browser]:
    """A signed-in browser per role: ITD, officer, member, guest."""
    browsers = {}
    for role, email in ROLE_EMAILS.items():
        browsers[role] = Browser(base)
        browsers[role].sign_in(email)
    return browsers


def measure_exports(
    server: subprocess.Popen, itd: Browser, user: Actor, args: argparse.Namespace
) -> list[tuple[str, dict, float, int, int]]:
    """Each CSV download as ITD against COPY of the export's own query."""
    from projects import exports as export_module
    from projects.selectors.portfolio import portfolio

    exports = []
    for label, path, queryset in (
        (
            "portfolio CSV, 2026",
            "/projects/export.csv?year=2026",
            export_module.portfolio_queryset(user, portfolio(user, year=2026), year=2026),
        ),
        (
            "portfolio CSV, all",
            "/projects/export.csv",
            export_module.portfolio_queryset(user, portfolio(user), year=None),
        ),
        (
            "budget lines CSV, 2026",
            "/projects/budget-lines/export.csv?year=2026",
            export_module.budget_lines_queryset(user, portfolio(user, year=2026), year=2026),
        ),
        (
            "budget lines CSV, all",
            "/projects/budget-lines/export.csv",
            export_module.budget_lines_queryset(user, portfolio(user), year=None),
        ),
    ):
        figures = measure_export(server, itd, path, args.export_runs)
        copy_s, copy_bytes = copy_seconds(queryset, args.export_runs)
        exports.append((label, figures, copy_s * 1000, copy_bytes, queryset.count()))
    return exports


def print_exports(exports: list[tuple[str, dict, float, int, int]]) -> None:
    print(
        f"\n{'CSV export (ITD)':<24}{'rows':>8}{'MB':>7}{'ms':>9}{'COPY ms':>9}{'x COPY':>8}"
        f"{'target':>8}{'worker +MiB':>12}"
    )
    for label, f, copy_ms, _copy_bytes, rows in exports:
        ratio = f["ms"] / copy_ms
        print(
            f"{label:<24}{rows:>8}{f['bytes'] / 1e6:>7.1f}{f['ms']:>9.0f}{copy_ms:>9.0f}"
            f"{ratio:>8.1f}{'<=3 ' + ('ok' if ratio <= 3 else 'MISS'):>8}"
            f"{f['growth_mib']:>12.1f}"
        )
    print("worker +MiB: the largest growth of a gunicorn worker's resident memory while sending")


def role_pages(results: Results) -> dict[str, dict[str, str]]:
    """Each role's measured pages (label: path): the load test's mix."""
    pages: dict[str, dict[str, str]] = {}
    for (role, label), r in results.items():
        if r["times"]:
            pages.setdefault(role, {})[label] = r["path"]
    return pages


def main() -> None:  # noqa: C901 - a script that runs the steps one after the other
    args = parse_args()
    started = time.monotonic()
    if not args.keep_data:
        generate_data(args)
    django_setup(args)
    project = pick_projects()
    thread, goal = pick_thread_and_goal()
    pages = portal_pages(project["slug"], thread, goal)
    port = free_port()
    server = start_server(args, port)
    base = f"http://127.0.0.1:{port}"
    second: tuple[Results, list[float]] | None = None
    try:
        browsers = sign_in_roles(base)
        search = measure_search(browsers["ITD"], args.runs)
        if args.search_only:
            print_search(search, args)
            return
        first = measure_pages(base, browsers, pages, args.runs)

        from contacts.models import User

        user = User.objects.get(email=BENCH_EMAIL)
        exports = measure_exports(server, browsers["ITD"], user, args)
        plans = explains(project["slug"])
        reports = measure_reports(args, user)

        mix = role_pages(first[0])
        load, failures = load_test(args, base, load_sessions(base), mix)
        if args.double:
            append_data(args)
            second = measure_pages(base, browsers, pages, args.runs)
    finally:
        server.terminate()
        server.wait(timeout=20)

    print_header(args, base)
    print(f"project page: /projects/{project['slug']}/ ({project['lines']} budget lines)")
    print_pages(*first, title="Pages")
    print_exports(exports)
    print_reports(reports)

    for label, plan in plans:
        print(f"\nEXPLAIN ANALYZE, {label}:")
        for line in plan:
            print("    " + line)

    single = [t for r in first[0].values() for t in r["times"]]
    print_load(load, failures, statistics.median(single), args)
    print_search(search, args)
    if second is not None:
        print_pages(*second, title="Pages at double the data")
        print_growth(first, second, args)
    print(f"\nmake bench took {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
