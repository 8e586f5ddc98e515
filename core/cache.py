"""The cache may fail; the portal goes on without it.

Redis holds only what can be worked out again (the cockpit's sums under the budget version,
allauth's rate-limit counters, the TOTP codes used). When it cannot be reached, every page and
the sign-in answer from the database instead of failing with 500; only `/healthz` reports it
(503: the key it writes cannot be read back). Django's RedisCache has no switch for that, so
this backend catches the connection errors of every operation and answers as an empty cache:

- get: the default (so the figure is computed from the database), set/delete: nothing stored;
- add: True, as if stored. allauth's rate limits take a lock with `add` and wait while it fails,
  and the TOTP check refuses a code whose `add` fails as "used already": both would lock
  everyone out. So while Redis is down the rate limits count nothing and a TOTP code is not
  remembered (the sign-in still needs the password and the second factor).

The first failure is logged as a warning (once, not on every request); after it the cache is
not asked again for RETRY_AFTER seconds, so an unreachable host (a connect timeout, not a quick
refusal) slows no page down more than once in that time.

With Redis Sentinel (`DegradingSentinelCache`, settings REDIS_SENTINELS) the cache asks the
Sentinels which server is the master and asks again when a connection fails: after a failover
it writes to the promoted replica. Between the master's death and the promotion it degrades as
above; no Sentinel reachable is one more way of being down (MasterNotFoundError).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError
from redis.sentinel import Sentinel

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Seconds without asking the cache after a failure.
RETRY_AFTER = 10.0
# When the cache failed last, by location (the backend object exists once per thread; the state
# is the process's, so the warning is logged once per process and outage).
_down_since: dict[str, float] = {}
FAILURES = (RedisError, OSError)


class DegradingRedisCache(RedisCache):
    """Django's RedisCache that answers like an empty cache while Redis cannot be reached."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._where = str(server)

    def _try(self, operation: Callable[[], T], fallback: T) -> T:
        failed = _down_since.get(self._where)
        if failed is not None and time.monotonic() - failed < RETRY_AFTER:
            return fallback
        try:
            result = operation()
        except FAILURES as error:
            if failed is None:
                logger.warning(
                    "Cache unreachable (%s): pages are computed from the database until it is "
                    "back.",
                    error,
                )
            _down_since[self._where] = time.monotonic()
            return fallback
        if failed is not None:
            del _down_since[self._where]
            logger.warning("Cache reachable again.")
        return result

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._try(
            lambda: super(DegradingRedisCache, self).add(key, value, timeout, version), True
        )

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._try(
            lambda: super(DegradingRedisCache, self).get(key, default, version), default
        )

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._try(lambda: super(DegradingRedisCache, self).set(key, value, timeout, version), None)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._try(
            lambda: super(DegradingRedisCache, self).touch(key, timeout, version), False
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._try(lambda: super(DegradingRedisCache, self).delete(key, version), False)

    def get_many(self, keys: Any, version: int | None = None) -> dict[str, Any]:
        return self._try(lambda: super(DegradingRedisCache, self).get_many(keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._try(lambda: super(DegradingRedisCache, self).has_key(key, version), False)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        missing = object()
        found = self._try(
            lambda: super(DegradingRedisCache, self).incr(key, delta, version), missing
        )
        if found is missing:
            raise ValueError(f"Key '{key}' not found")  # what an empty cache says
        return found  # type: ignore[return-value]

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._try(
            lambda: super(DegradingRedisCache, self).set_many(data, timeout, version), list(data)
        )

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._try(lambda: super(DegradingRedisCache, self).delete_many(keys, version), None)

    def clear(self) -> None:
        self._try(lambda: super(DegradingRedisCache, self).clear(), None)


class SentinelCacheClient(RedisCacheClient):
    """Django's Redis client on the master the Sentinels name: its connection pool asks them
    where the master is for every new connection, so a failover needs no restart. Reads go to
    the master too: a replica may lag behind (a TOTP code just used)."""

    def __init__(
        self,
        servers: list[str],
        *,
        sentinels: list[tuple[str, int]],
        master_name: str,
        sentinel_kwargs: dict[str, Any] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(servers, **options)
        server = {
            k: v
            for k, v in options.items()
            if k not in ("serializer", "pool_class", "parser_class")
        }
        self._master = Sentinel(sentinels, sentinel_kwargs=sentinel_kwargs).master_for(
            master_name, **server
        )

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        return self._master


class DegradingSentinelCache(DegradingRedisCache):
    """DegradingRedisCache on the master that Redis Sentinel names; LOCATION names the
    Sentinels (for the log), OPTIONS carry `sentinels`, `master_name`, `sentinel_kwargs`, `db`,
    `password` and the socket timeouts."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SentinelCacheClient
