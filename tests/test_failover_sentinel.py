"""Redis Sentinel failover on loopback (issue 21, point 4), with Debian's redis-server and
redis-sentinel (`make sentinel-deps`): a master, its replica and three Sentinels. A real Celery
worker takes its tasks through the Sentinels; the master is killed (SIGKILL) while notices are
written. The Sentinels promote the replica, the portal answers meanwhile, and the requeue job
hands out what was lost with the master: every notice is mailed exactly once."""

from __future__ import annotations

import collections
import datetime as dt
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client

from core import cache as core_cache
from hamburg_digital.celery import app as celery_app
from hamburg_digital.redis_settings import redis_choice
from notifications import services
from notifications.kinds import Kind
from notifications.models import MailStatus, Notification

pytestmark = pytest.mark.xdist_group("sentinel")

HOST = "127.0.0.1"
MASTER_PORT, REPLICA_PORT = 16380, 16381
SENTINEL_PORTS = (26380, 26381, 26382)
MASTER_NAME = "portal-test"
NOTICES = 50
HEADER = re.compile(r"^X-Portal-Notification: (\d+)$", re.MULTILINE)
REFUSED = re.compile(r"could not enqueue notifications\.tasks\.send_notification\((\d+)\)")
SENTINEL_BINARY = shutil.which("redis-sentinel")
SERVER_BINARY = shutil.which("redis-server")
MISSING = (
    "needs Debian's redis-server and redis-sentinel on PATH (`make sentinel-deps` installs "
    "them with apt-get where it runs as root)"
)


def _sentinel_env() -> dict[str, str]:
    return {
        "REDIS_SENTINELS": ",".join(f"{HOST}:{port}" for port in SENTINEL_PORTS),
        "REDIS_SENTINEL_MASTER": MASTER_NAME,
        "REDIS_DB": "0",
    }


# --- The settings (no servers needed) -----------------------------------------------------------


def test_sentinels_in_the_environment_give_a_sentinel_broker_with_the_master_name():
    choice = redis_choice(
        {
            "REDIS_SENTINELS": "10.0.0.1:26379, 10.0.0.2:26380,10.0.0.3",
            "REDIS_SENTINEL_MASTER": "portal",
            "REDIS_DB": "3",
            "REDIS_PASSWORD": "p@ss/word",
            "REDIS_SENTINEL_PASSWORD": "wacht",
        }
    )
    assert choice is not None
    assert choice.broker_url == (
        "sentinel://:p%40ss%2Fword@10.0.0.1:26379/3;sentinel://:p%40ss%2Fword@10.0.0.2:26380/3;"
        "sentinel://:p%40ss%2Fword@10.0.0.3:26379/3"
    )
    # Without master_name Celery's transport refuses a sentinel:// broker (DefectDojo #9133).
    assert choice.broker_options["master_name"] == "portal"
    assert choice.broker_options["sentinel_kwargs"]["password"] == "wacht"
    options = choice.cache["OPTIONS"]
    assert choice.cache["BACKEND"] == "core.cache.DegradingSentinelCache"
    assert options["sentinels"] == [("10.0.0.1", 26379), ("10.0.0.2", 26380), ("10.0.0.3", 26379)]
    assert (options["master_name"], options["db"], options["password"]) == (
        "portal",
        3,
        "p@ss/word",
    )
    assert options["sentinel_kwargs"]["password"] == "wacht"


def test_the_master_name_defaults_to_mymaster_and_a_plain_url_stays_as_it_was():
    choice = redis_choice({"REDIS_SENTINELS": "127.0.0.1:26379"})
    assert choice is not None
    assert choice.broker_url == "sentinel://127.0.0.1:26379/0"
    assert choice.broker_options["master_name"] == "mymaster"
    assert "password" not in choice.cache["OPTIONS"]
    assert "password" not in choice.broker_options["sentinel_kwargs"]

    plain = redis_choice({"REDIS_URL": "redis://127.0.0.1:6379/2"})
    assert plain is not None
    assert plain.broker_url == "redis://127.0.0.1:6379/2" and plain.broker_options == {}
    assert plain.cache["BACKEND"] == "core.cache.DegradingRedisCache"
    assert redis_choice({}) is None


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"REDIS_URL": "redis://x:6379/0", "REDIS_SENTINELS": "x:26379"}, "not both"),
        ({"REDIS_SENTINELS": "x:port"}, "is not one"),
        ({"REDIS_SENTINELS": "redis://x:26379/0"}, "is not one"),
        ({"REDIS_SENTINELS": " , "}, "names no Sentinel"),
        ({"REDIS_SENTINELS": "x:26379", "REDIS_DB": "eins"}, "REDIS_DB must be"),
    ],
)
def test_a_wrong_sentinel_setting_is_refused_with_a_message(environ, message):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match=message):
        redis_choice(environ)


def test_the_settings_module_builds_the_broker_and_cache_from_the_sentinels():
    """settings.py itself, in a fresh interpreter with the Sentinels in its environment."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL"}
    }
    script = (
        "from django.conf import settings as s; "
        "print(s.CELERY_BROKER_URL); "
        "print(s.CELERY_BROKER_TRANSPORT_OPTIONS['master_name']); "
        "print(s.CELERY_TASK_ALWAYS_EAGER); "
        "print(s.CACHES['default']['BACKEND'])"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env={**env, **_sentinel_env(), "DJANGO_SETTINGS_MODULE": "hamburg_digital.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == [
        ";".join(f"sentinel://{HOST}:{port}/0" for port in SENTINEL_PORTS),
        MASTER_NAME,
        "False",
        "core.cache.DegradingSentinelCache",
    ]


def test_with_no_sentinel_reachable_the_cache_answers_as_an_empty_cache(settings):
    choice = redis_choice({"REDIS_SENTINELS": "127.0.0.1:1,127.0.0.1:2"})  # nothing listens
    assert choice is not None
    caches_before = settings.CACHES
    settings.CACHES = {"default": choice.cache}
    core_cache._down_since.clear()
    from django.core.cache import cache

    try:
        assert cache.get("k", "default") == "default"
        assert cache.add("k", 1) is True  # as if stored: rate limits and TOTP do not lock out
        assert Client().get("/").status_code == 200
    finally:
        settings.CACHES = caches_before
        core_cache._down_since.clear()


# --- The failover ----------------------------------------------------------------------------


@dataclass
class Cluster:
    """Two Redis servers and three Sentinels on loopback, their processes and configs."""

    directory: Path
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, port: int, config: str, *, sentinel: bool = False) -> None:
        path = self.directory / f"{port}.conf"
        path.write_text(
            f"port {port}\nbind {HOST}\ndaemonize no\ndir {self.directory}\n"
            f"logfile {self.directory / f'{port}.log'}\n{config}"
        )
        binary = SENTINEL_BINARY if sentinel else SERVER_BINARY
        assert binary is not None
        self.processes[port] = subprocess.Popen(  # noqa: S603 - Debian's binaries, our config
            [binary, str(path)],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not _wait_for(lambda: _answers(port), 10):
            raise AssertionError(
                f"redis on {port} did not start; see {port}.log:\n{self.log(port)}"
            )

    def kill(self, port: int) -> None:
        process = self.processes[port]
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(10)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def log(self, port: int) -> str:
        path = self.directory / f"{port}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def master_named(self) -> set[int]:
        """The master's port as each reachable Sentinel names it."""
        named = set()
        for port in SENTINEL_PORTS:
            state = _master_state(port)
            if state:
                named.add(int(state["port"]))
        return named


def _client(port: int) -> redis.Redis:
    return redis.Redis(host=HOST, port=port, socket_timeout=1, socket_connect_timeout=1)


def _master_state(port: int) -> dict | None:
    """What the Sentinel on `port` knows of the master (SENTINEL MASTERS: redis-py's other
    sentinel_* commands expect a Sentinel object, not a plain client)."""
    try:
        return _client(port).sentinel_masters().get(MASTER_NAME)
    except redis.RedisError:
        return None


def _answers(port: int) -> bool:
    try:
        return bool(_client(port).ping())
    except redis.RedisError:
        return False


def _replica_info() -> dict[str, Any]:
    return cast("dict[str, Any]", _client(REPLICA_PORT).info("replication"))


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((HOST, port)) != 0


def _wait_for(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def _sentinels_ready() -> bool:
    """Every Sentinel knows the replica and the two other Sentinels (so a quorum can agree and
    a majority can elect the one that promotes the replica)."""
    for port in SENTINEL_PORTS:
        state = _master_state(port)
        if (
            state is None
            or state.get("num-slaves", 0) < 1
            or state.get("num-other-sentinels", 0) < 2
        ):
            return False
    return True


@pytest.fixture
def cluster(tmp_path) -> Iterator[Cluster]:
    if SERVER_BINARY is None or SENTINEL_BINARY is None:
        pytest.skip(MISSING)
    busy = [p for p in (MASTER_PORT, REPLICA_PORT, *SENTINEL_PORTS) if not _port_free(p)]
    assert not busy, f"ports in use on {HOST}: {busy} (a run before this one left them?)"
    directory = tmp_path / "redis"
    directory.mkdir()
    cluster = Cluster(directory)
    # No persistence: the replica is synchronised over the socket; nothing outlives the test.
    server = 'save ""\nappendonly no\n'
    try:
        cluster.start(MASTER_PORT, server)
        cluster.start(REPLICA_PORT, server + f"replicaof {HOST} {MASTER_PORT}\n")
        assert _wait_for(lambda: _replica_info()["master_link_status"] == "up", 10), (
            "the replica did not synchronise"
        )
        for port in SENTINEL_PORTS:
            cluster.start(
                port,
                f"sentinel monitor {MASTER_NAME} {HOST} {MASTER_PORT} 2\n"
                f"sentinel down-after-milliseconds {MASTER_NAME} 1000\n"
                f"sentinel failover-timeout {MASTER_NAME} 4000\n"
                f"sentinel parallel-syncs {MASTER_NAME} 1\n",
                sentinel=True,
            )
        assert _wait_for(_sentinels_ready, 15, step=0.2), "the Sentinels did not find each other"
        yield cluster
    finally:
        cluster.stop()


def _worker_env(outbox: Path) -> dict[str, str]:
    database = connection.settings_dict
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_DEFAULT_QUEUE"}
    }
    return {
        **env,
        **_sentinel_env(),
        # pytest's test database, not the one DATABASE_URL names.
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
    }


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "hamburg_digital",
                "worker",
                "--pool=prefork",
                "--concurrency=2",
                "--hostname=sentinel@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            start_new_session=True,  # its own process group: the pool's children stop with it
            stdout=output,
            stderr=subprocess.STDOUT,
        )


@dataclass
class SupervisedWorker:
    """The worker as compose (`restart: unless-stopped`) or systemd runs it: started again when
    it exits. Celery 5.7 with kombu 5.7 may exit when its broker connection breaks while it
    holds an unacknowledged task ("Unrecoverable error: AttributeError ... 'hostname'": closing
    the broken channel restores that task through a connection already torn down); what it
    held is still pending in the outbox, and the requeue job hands it out again."""

    env: dict[str, str]
    directory: Path
    exits: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    def log_path(self) -> Path:
        return self.directory / f"worker-{len(self.exits)}.log"

    def start(self) -> None:
        self.process = _start_worker(self.env, self.log_path())

    def keep_running(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            found = re.search(
                r"Unrecoverable error: .*", self.log_path().read_text(errors="replace")
            )
            self.exits.append(found.group(0) if found else f"exit {self.process.returncode}")
            self.start()

    def log(self) -> str:
        path = self.log_path()
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


def _mailed(outbox: Path) -> collections.Counter[int]:
    counts: collections.Counter[int] = collections.Counter()
    for path in outbox.glob("*.log"):
        counts.update(int(n) for n in HEADER.findall(path.read_text(errors="replace")))
    return counts


@pytest.fixture
def portal_on_sentinel(settings, monkeypatch):
    """This process (the portal) publishes tasks and caches through the Sentinels, as a web
    process configured with REDIS_SENTINELS does."""
    choice = redis_choice(_sentinel_env())
    assert choice is not None
    caches_before = settings.CACHES
    settings.CACHES = {"default": {**choice.cache, "KEY_PREFIX": "hd-sentinel-test"}}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = choice.broker_url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        **choice.broker_options,
    }
    # The cache is asked again soon after a failure (not after 10 s), so the test sees it
    # follow the promotion.
    monkeypatch.setattr(core_cache, "RETRY_AFTER", 0.5)
    core_cache._down_since.clear()
    celery_app._after_fork()  # Celery's reset of its pools: none left to another broker
    with celery_app.connection_for_write() as broker:
        assert broker.as_uri().startswith("sentinel://")
    yield
    # The Sentinels are gone after this test: the suite's own cache again for what follows.
    settings.CACHES = caches_before
    celery_app._after_fork()
    core_cache._down_since.clear()


@pytest.mark.django_db(transaction=True)
def test_the_master_dies_while_notices_are_sent_and_none_is_lost_or_sent_twice(
    cluster, portal_on_sentinel, tmp_path, caplog, monkeypatch
):
    outbox = tmp_path / "mail"
    outbox.mkdir()
    worker = SupervisedWorker(_worker_env(outbox), tmp_path)
    worker.start()
    portal = Client()
    answers: list[int] = []
    ids: list[int] = []
    killed_at = NOTICES  # the index of the notice after which the master was killed
    promoted_at: int | None = None
    queued_then = None
    try:
        with caplog.at_level(logging.WARNING):
            for n in range(NOTICES):
                notice = services.notify(
                    kind=Kind.ACCOUNT,
                    email=f"empfaenger-{n}@test.example.org",
                    compose=lambda n=n: (f"Hinweis {n}", [f"Hinweis Nummer {n}"]),
                )
                assert notice is not None
                ids.append(notice.pk)
                if n == NOTICES // 3:
                    # The worker is connected and sending before the master goes.
                    assert _wait_for(lambda: len(_mailed(outbox)) >= 5, 30), (
                        "the worker sent nothing through the Sentinels:\n" + worker.log()
                    )
                    cluster.kill(MASTER_PORT)
                    killed_at = n
                if n >= killed_at and promoted_at is None:
                    # While the Sentinels have not promoted the replica yet: the portal answers.
                    answers.append(portal.get("/").status_code)
                    if cluster.master_named() == {REPLICA_PORT}:
                        promoted_at = n
                        # What the replica had received of the queue before its master died.
                        queued_then = _client(REPLICA_PORT).llen("celery")
                worker.keep_running()
                time.sleep(0.1)
            assert _wait_for(lambda: cluster.master_named() == {REPLICA_PORT}, 20, step=0.2), (
                "no failover:\n" + cluster.log(SENTINEL_PORTS[0])
            )
            refused = {
                int(found.group(1))
                for r in caplog.records
                if (found := REFUSED.search(r.getMessage()))
            }
            # The answers above came while the cache could not be reached.
            assert any(
                r.name == "core.cache" and "unreachable" in r.getMessage() for r in caplog.records
            )

            # As beat does every minute: hand out again what is still pending after a while.
            requeued: list[int] = []
            enqueue = services.enqueue_delivery

            def recorded(notification_id: int) -> None:
                requeued.append(notification_id)
                enqueue(notification_id)

            monkeypatch.setattr(services, "enqueue_delivery", recorded)

            def all_sent() -> bool:
                worker.keep_running()
                if not Notification.objects.filter(
                    pk__in=ids, mail_status=MailStatus.PENDING
                ).exists():
                    return True
                services.requeue_pending(older_than=dt.timedelta(seconds=3))
                return False

            assert _wait_for(all_sent, 40, step=1), "notices left pending:\n" + worker.log()
            # Whatever is still queued (a notice handed out twice) runs, and is skipped.
            new_master = _client(REPLICA_PORT)
            assert _wait_for(lambda: new_master.llen("celery") == 0, 20, step=0.2)
            time.sleep(1)
        # The cache follows the promotion: /healthz reads back what it wrote, on the new master.
        assert _wait_for(lambda: portal.get("/healthz").status_code == 200, 10, step=0.5)
        assert new_master.dbsize() > 0  # the cache's keys and the queue live there now
    finally:
        worker.stop()

    counts = _mailed(outbox)
    statuses = collections.Counter(
        Notification.objects.filter(pk__in=ids).values_list("mail_status", flat=True)
    )
    sent = sum(1 for pk in ids if counts[pk] >= 1)
    lost = len(ids) - sent
    duplicated = sum(1 for pk in ids if counts[pk] > 1)
    again = set(requeued)
    print(
        f"\nSentinel failover: {NOTICES} notices, the master killed after notice "
        f"{killed_at + 1}, the replica promoted by notice "
        f"{NOTICES if promoted_at is None else promoted_at + 1}; the portal answered meanwhile "
        f"{dict(collections.Counter(answers))}; publishes refused {len(refused)}; tasks queued "
        f"on the replica when it was promoted {queued_then}; handed out again by the requeue job "
        f"{len(again)} notices ({len(again & refused)} of them refused); the worker "
        f"restarted {len(worker.exits)} times {worker.exits}; "
        f"sent {sent}, lost {lost}, duplicated {duplicated}"
    )
    assert answers and set(answers) == {200}
    assert (sent, lost, duplicated) == (NOTICES, 0, 0)
    assert statuses == {MailStatus.SENT: NOTICES}
