"""`make run`'s three processes in one terminal: the web server, a Celery worker and beat.

    python scripts/run_local.py --port 8000

The worker and beat are the real ones, over kombu's file-system transport (CELERY_BROKER_URL=
filesystem://, messages in CELERY_FILESYSTEM_DIR, default var/celery/) and with beat's schedule
in the same database as the web server: nothing to install, no server to start.

Every line of output is prefixed with the process's name. Ctrl-C (SIGINT) or SIGTERM stops all
three (each gets SIGINT, as Ctrl-C would give it, then SIGKILL after STOP_TIMEOUT seconds); if
one of them ends, the others are stopped and the reason is said. Only one of these runs per
folder (a lock file), since a second beat would start every scheduled job twice.

Our own ~150 lines rather than a Procfile runner (honcho): each process runs in a process group
of its own, so runserver's reloader child and the worker's pool children end with it, and a
second start in the same folder is refused with a message, which a Procfile runner does not do.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

BASE_DIR = Path(__file__).resolve().parent.parent
STOP_TIMEOUT = 10.0
COLOURS = {"web": "36", "worker": "32", "beat": "35", "run": "1"}


class Output:
    """One writer for all processes: whole lines, each with its process's name in front."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.colour = stream.isatty() and not os.environ.get("NO_COLOR")
        self.lock = threading.Lock()

    def line(self, name: str, text: str) -> None:
        prefix = f"{name:<6}|"
        if self.colour:
            prefix = f"\033[{COLOURS.get(name, '0')}m{prefix}\033[0m"
        with self.lock:
            self.stream.write(f"{prefix} {text}\n")
            self.stream.flush()

    def pump(self, name: str, pipe: IO[bytes]) -> None:
        for raw in iter(pipe.readline, b""):
            self.line(name, raw.decode("utf-8", errors="replace").rstrip("\r\n"))
        pipe.close()


def commands(port: int, broker_dir: Path) -> dict[str, list[str]]:
    python = sys.executable
    celery = [python, "-m", "celery", "-A", "hamburg_digital"]
    return {
        "web": [python, "manage.py", "runserver", f"127.0.0.1:{port}"],
        # Two processes: a long report does not hold back the mails queued behind it. Gossip,
        # mingle and heartbeats talk between workers over broadcast; there is only this one.
        "worker": [
            *celery,
            "worker",
            "--pool=prefork",
            "--concurrency=2",
            "--hostname=local@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        # The pid file refuses a second beat started by hand with the same settings.
        "beat": [*celery, "beat", "--loglevel=INFO", f"--pidfile={broker_dir / 'beat.pid'}"],
    }


def child_env(port: int, broker_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("CELERY_BROKER_URL", "filesystem://")
    env.setdefault("CELERY_FILESYSTEM_DIR", str(broker_dir))
    # Links in the mails point at this server.
    env.setdefault("PORTAL_BASE_URL", f"http://127.0.0.1:{port}")
    env["PYTHONUNBUFFERED"] = "1"  # lines as they are written, not when a buffer fills
    return env


def take_lock(broker_dir: Path, output: Output) -> IO[str] | None:
    broker_dir.mkdir(parents=True, exist_ok=True)
    handle = (broker_dir / "run_local.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        output.line(
            "run",
            f"already running in this folder (pid {handle.read().strip() or '?'}): stop it "
            "first. A second worker and beat would start every scheduled job twice.",
        )
        handle.close()
        return None
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_all(processes: dict[str, subprocess.Popen[bytes]], output: Output) -> None:
    """SIGINT to every process group (as Ctrl-C in a terminal), SIGKILL to what is left."""
    for name, process in processes.items():
        if group_alive(process.pid):
            output.line("run", f"stopping {name} ...")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGINT)
    deadline = time.monotonic() + STOP_TIMEOUT
    for process in processes.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(max(0.0, deadline - time.monotonic()))
    while time.monotonic() < deadline and any(group_alive(p.pid) for p in processes.values()):
        time.sleep(0.1)
    for name, process in processes.items():
        if group_alive(process.pid):
            output.line("run", f"{name} did not stop within {STOP_TIMEOUT:.0f} s: killed")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run(port: int, broker_dir: Path, output: Output) -> int:
    lock = take_lock(broker_dir, output)
    if lock is None:
        return 1
    stop: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: stop.append(signum))
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.append(signum))
    env = child_env(port, broker_dir)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    pumps = []
    exit_code = 0
    try:
        for name, argv in commands(port, broker_dir).items():
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                argv,
                cwd=BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                process_group=0,  # its group: Ctrl-C reaches us, we stop it with its children
            )
            processes[name] = process
            assert process.stdout is not None
            pump = threading.Thread(target=output.pump, args=(name, process.stdout), daemon=True)
            pump.start()
            pumps.append(pump)
        output.line(
            "run",
            f"web http://127.0.0.1:{port}/ · worker and beat over {broker_dir} · mail to the "
            f"console and {env.get('EMAIL_FILE_PATH') or BASE_DIR / 'var' / 'mail'} · "
            "Ctrl-C stops all three",
        )
        while not stop:
            ended = [(name, p.returncode) for name, p in processes.items() if p.poll() is not None]
            if ended:
                name, code = ended[0]
                output.line("run", f"{name} ended (exit code {code}): stopping the others")
                exit_code = 1
                break
            time.sleep(0.2)
    finally:
        # A second Ctrl-C while stopping must not leave processes behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_all(processes, output)
        for pump in pumps:
            pump.join(2)
        output.line("run", "stopped")
        lock.close()
    return exit_code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    parser.add_argument(
        "--check", action="store_true", help="only say whether one runs here already (exit 1)"
    )
    arguments = parser.parse_args()
    broker_dir = Path(os.environ.get("CELERY_FILESYSTEM_DIR") or BASE_DIR / "var" / "celery")
    output = Output(sys.stdout)
    if arguments.check:
        lock = take_lock(broker_dir, output)
        if lock is None:
            return 1
        lock.close()
        return 0
    return run(arguments.port, broker_dir, output)


if __name__ == "__main__":
    sys.exit(main())
