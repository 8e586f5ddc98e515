"""Check that the services the test suite needs are reachable: PostgreSQL and Redis.

Reads DATABASE_URL and REDIS_URL from the environment (`make test` sets both), tries each with a
short timeout and exits 1 with a message that names the URL and how to start the service if
either is missing. Run it by hand with `.venv/bin/python scripts/check_services.py`.
"""

from __future__ import annotations

import os
import sys
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

import psycopg2
import redis

TIMEOUT_SECONDS = 3
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}
REDIS_SCHEMES = {"redis", "rediss", "unix"}

POSTGRES_HINT = """\
  Start it, for example:
    pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
  or in Docker:
    docker run -d --name hd-postgres -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16
  or point DATABASE_URL at a running server: make test DATABASE_URL=postgres://user:pw@host:5432/db"""

REDIS_HINT = """\
  Start it, for example:
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379
  or in Docker:
    docker run -d --name hd-redis -p 6379:6379 redis:7
  or point REDIS_URL at a running server: make test REDIS_URL=redis://host:6379/0"""


def redact(url: str) -> str:
    """Return the URL with any password replaced by '***', for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{userinfo}:***@{host}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return SplitResult(parts.scheme, netloc, parts.path, parts.query, parts.fragment).geturl()


def fail(service: str, url: str, error: object, hint: str) -> str:
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
    return f"✗ {service} is not reachable at {redact(url)}\n  ({first_line})\n{hint}"


def check_postgres(url: str) -> str | None:
    """Connect to the maintenance database `postgres` on the server named in url."""
    if not url:
        return (
            "✗ DATABASE_URL is not set: the test suite needs PostgreSQL.\n"
            "  Set it, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/hamburg_digital\n"
            + POSTGRES_HINT
        )
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        return (
            f"✗ DATABASE_URL={redact(url)} is not a PostgreSQL URL: the test suite needs "
            "PostgreSQL (postgres://user:password@host:port/name)."
        )
    try:
        port = parts.port or 5432
    except ValueError as exc:
        return fail("PostgreSQL", url, exc, POSTGRES_HINT)
    params: dict[str, Any] = {
        "host": unquote(parts.hostname or "") or "127.0.0.1",
        "port": port,
        "dbname": "postgres",
        "connect_timeout": TIMEOUT_SECONDS,
    }
    if parts.username:
        params["user"] = unquote(parts.username)
    if parts.password:
        params["password"] = unquote(parts.password)
    try:
        connection = psycopg2.connect(**params)
    except psycopg2.Error as exc:
        return fail("PostgreSQL", url, exc, POSTGRES_HINT)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except psycopg2.Error as exc:
        return fail("PostgreSQL", url, exc, POSTGRES_HINT)
    finally:
        connection.close()
    return None


def check_redis(url: str) -> str | None:
    """Ping the Redis server named in url."""
    if not url:
        return (
            "✗ REDIS_URL is not set: the test suite needs Redis.\n"
            "  Set it, e.g. REDIS_URL=redis://127.0.0.1:6379/0\n" + REDIS_HINT
        )
    if urlsplit(url).scheme not in REDIS_SCHEMES:
        return f"✗ REDIS_URL={redact(url)} is not a Redis URL (redis://host:port/db)."
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
        )
    except ValueError as exc:
        return fail("Redis", url, exc, REDIS_HINT)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        return fail("Redis", url, exc, REDIS_HINT)
    finally:
        client.close()
    return None


def main() -> int:
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    problems = [
        problem
        for problem in (check_postgres(database_url), check_redis(redis_url))
        if problem is not None
    ]
    if problems:
        print("The test suite needs PostgreSQL and Redis.\n", file=sys.stderr)
        print("\n\n".join(problems), file=sys.stderr)
        return 1
    print(f"✓ PostgreSQL reachable at {redact(database_url)}")
    print(f"✓ Redis reachable at {redact(redis_url)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
