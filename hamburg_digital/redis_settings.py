"""Where the portal finds Redis: one server, or the master that Redis Sentinel names.

Read by settings.py from the environment; a function of its own so that the tests can build
the settings from any environment without starting Django again.

- `REDIS_URL=redis://host:6379/0`: one server for the cache and the Celery broker.
- `REDIS_SENTINELS=host:26379,host:26379,...` (instead of REDIS_URL): the Sentinels of a
  master and its replicas. Cache and broker ask them which server is the master now, and ask
  again after a failover. `REDIS_SENTINEL_MASTER` names the master as the Sentinels know it
  (their `sentinel monitor <name> ...`, default `mymaster`), `REDIS_DB` the database (0),
  `REDIS_PASSWORD` the servers' password and `REDIS_SENTINEL_PASSWORD` the Sentinels' own.

Celery's Redis transport refuses a `sentinel://` broker without the master's name in its
transport options (`master_name`); both come from here, so one cannot be set without the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from django.core.exceptions import ImproperlyConfigured

SENTINEL_PORT = 26379
# An unreachable host must not hold a request for long (core.cache answers as an empty cache).
CACHE_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}


@dataclass(frozen=True)
class RedisChoice:
    """The cache backend, the broker URL and the broker's transport options for one setup."""

    cache: dict[str, Any]
    broker_url: str
    broker_options: dict[str, Any] = field(default_factory=dict)


def _get(environ: Mapping[str, str], name: str, default: str = "") -> str:
    # An empty variable counts as unset, as in settings.env_str.
    return environ.get(name) or default


def sentinel_addresses(value: str) -> list[tuple[str, int]]:
    """ "a:26379, b:26380" -> [("a", 26379), ("b", 26380)]; the port defaults to 26379."""
    addresses = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            parts = urlsplit(f"//{item}")
            host, port = parts.hostname, parts.port or SENTINEL_PORT
        except ValueError:
            host = None
        if not host or parts.path or parts.username or parts.password:
            raise ImproperlyConfigured(
                f"REDIS_SENTINELS lists host:port pairs separated by commas, "
                f"e.g. 10.0.0.1:26379,10.0.0.2:26379; {item!r} is not one."
            )
        addresses.append((host, port))
    if not addresses:
        raise ImproperlyConfigured("REDIS_SENTINELS names no Sentinel.")
    return addresses


def redis_choice(environ: Mapping[str, str]) -> RedisChoice | None:
    """The Redis setup the environment describes, or None without Redis (local-memory cache,
    tasks in-process)."""
    url = _get(environ, "REDIS_URL")
    sentinels = _get(environ, "REDIS_SENTINELS")
    if url and sentinels:
        raise ImproperlyConfigured(
            "Set REDIS_URL (one Redis server) or REDIS_SENTINELS (the Sentinels of a master "
            "and its replicas), not both."
        )
    if url:
        return RedisChoice(
            cache={
                "BACKEND": "core.cache.DegradingRedisCache",
                "LOCATION": url,
                "OPTIONS": dict(CACHE_TIMEOUTS),
            },
            broker_url=url,
        )
    if not sentinels:
        return None

    addresses = sentinel_addresses(sentinels)
    master = _get(environ, "REDIS_SENTINEL_MASTER", "mymaster")
    db_text = _get(environ, "REDIS_DB", "0")
    if not db_text.isdigit():
        raise ImproperlyConfigured(f"REDIS_DB must be a database number, not {db_text!r}")
    db = int(db_text)
    password = _get(environ, "REDIS_PASSWORD")
    # The Sentinels are asked with the same timeouts as the servers, and their own password.
    sentinel_kwargs: dict[str, Any] = dict(CACHE_TIMEOUTS)
    if sentinel_password := _get(environ, "REDIS_SENTINEL_PASSWORD"):
        sentinel_kwargs["password"] = sentinel_password
    server: dict[str, Any] = {"db": db}
    if password:
        server["password"] = password

    credentials = f":{quote(password, safe='')}@" if password else ""
    broker_url = ";".join(
        f"sentinel://{credentials}{_netloc(host, port)}/{db}" for host, port in addresses
    )
    return RedisChoice(
        cache={
            "BACKEND": "core.cache.DegradingSentinelCache",
            "LOCATION": ",".join(_netloc(host, port) for host, port in addresses),
            "OPTIONS": {
                "sentinels": addresses,
                "master_name": master,
                "sentinel_kwargs": sentinel_kwargs,
                **server,
                **CACHE_TIMEOUTS,
            },
        },
        broker_url=broker_url,
        broker_options={"master_name": master, "sentinel_kwargs": sentinel_kwargs},
    )


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
