"""A real OpenID Connect provider for tests: scripts/idp/server.mjs (oidc-provider on Node).

    from tests.idp import client_metadata, run_identity_provider

    clients = [client_metadata("portal", "secret", "http://127.0.0.1:8000")]
    with run_identity_provider(accounts, clients, tmp_path) as idp:
        idp.issuer                 # "http://127.0.0.1:<port>"
        idp.write_accounts([...])  # the next sign-in (and the next claims) read the new file
        idp.end_session("sub-1")   # ends that account's provider sessions: back-channel logout

Or as a fixture: `identity_provider = identity_provider_fixture(ACCOUNTS, clients, "module")` in a
test module. Nothing here is used automatically.

An account is a dict: sub, email, email_verified, given_name, family_name, groups (list of
strings), mfa (bool: amr ["pwd", "otp"] and acr "urn:fhh:mfa", else ["pwd"] and "urn:fhh:pwd"),
password. A client is oidc-provider client metadata; `client_metadata()` makes the usual one.

The provider binds to 127.0.0.1, on a port the system chooses (IDP_PORT=0), and says so in its
ready line; it is ended with SIGTERM (then SIGKILL) when the block is left. Its node_modules are
installed with `npm ci --prefix scripts/idp` when they are missing (`make test` does it first,
`make idp-deps`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
IDP_DIR = ROOT / "scripts" / "idp"
SERVER = IDP_DIR / "server.mjs"
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 5.0
# The line the server prints on stdout once it answers requests.
READY_LINE = re.compile(r"listening on (?P<url>http://127\.0\.0\.1:(?P<port>\d+))")

Account = dict[str, Any]
Client = dict[str, Any]


def client_metadata(
    client_id: str,
    client_secret: str,
    base_url: str,
    *,
    callback_path: str = "/accounts/oidc/fhh/login/callback/",
    backchannel_path: str = "/accounts/oidc/fhh/backchannel-logout/",
    post_logout_path: str = "/",
) -> Client:
    """The metadata of a confidential web client at `base_url` (e.g. http://127.0.0.1:8000):
    authorization code with PKCE, client_secret_basic, RP-initiated and back-channel logout."""
    base = base_url.rstrip("/")
    return {
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uris": [base + callback_path],
        "post_logout_redirect_uris": [base + post_logout_path],
        "backchannel_logout_uri": base + backchannel_path,
        "backchannel_logout_session_required": True,
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
    }


def ensure_node_modules() -> None:
    """`npm ci --prefix scripts/idp` if its node_modules are missing; one process at a time (the
    parallel suite's workers may all ask at once)."""
    if (IDP_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not on PATH: the local identity provider needs Node.js and npm")
    with open(IDP_DIR / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (IDP_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
            return
        done = subprocess.run(  # noqa: S603 - fixed arguments
            [npm, "ci", "--prefix", str(IDP_DIR), "--no-audit", "--no-fund"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"npm ci --prefix {IDP_DIR} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
            )
        # The stamp of `make idp-deps`: installed from this lock file, nothing to do for make.
        (IDP_DIR / "node_modules" / ".installed").touch()


@dataclasses.dataclass
class IdentityProvider:
    """A running scripts/idp/server.mjs."""

    issuer: str
    port: int
    config_path: Path
    clients: list[Client]
    process: subprocess.Popen[str]
    _lines: list[str]

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def output(self) -> str:
        """What the server printed so far (stdout and stderr)."""
        return "".join(self._lines)

    def write_accounts(self, accounts: Sequence[Account]) -> None:
        """Rewrite the accounts in the config file: the next sign-in and the next claims (ID
        token, userinfo) read them. acr/amr are fixed at sign-in: a changed `mfa` counts from the
        next sign-in at the provider, not for a provider session that already exists."""
        _write_config(self.config_path, list(accounts), self.clients)

    def end_session(self, sub: str) -> dict[str, Any]:
        """The test aid POST /__test__/end-session?sub=...: ends every provider session of the
        account, revokes its grants and POSTs a logout_token to each client it had signed in to
        that has a backchannel_logout_uri (before this returns). The answer:
        {"sub", "sessions_ended": n, "backchannel": [{"client_id", "sid", "ok", "error"?}]}."""
        query = urllib.parse.urlencode({"sub": sub})
        request = urllib.request.Request(  # noqa: S310 - our own loopback server
            f"{self.issuer}/__test__/end-session?{query}", method="POST", data=b""
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            result: dict[str, Any] = json.loads(response.read())
        return result


def _write_config(path: Path, accounts: list[Account], clients: list[Client]) -> None:
    # Written beside and renamed over: the server never reads half a file.
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps({"clients": clients, "accounts": accounts}, indent=2))
    os.replace(partial, path)


def _read_lines(stream: Any, lines: list[str]) -> None:
    # Drains the pipe for the process's whole life, so that it never blocks on a full pipe.
    for line in stream:
        lines.append(line)


def _wait_until_ready(
    process: subprocess.Popen[str], lines: list[str], reader: threading.Thread
) -> re.Match[str]:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        for line in list(lines):
            if match := READY_LINE.search(line):
                return match
        if process.poll() is not None:
            reader.join(timeout=2)
            why = f"exited with {process.returncode} before it was ready"
            break
        if time.monotonic() >= deadline:
            _stop(process)
            reader.join(timeout=2)
            why = f"printed no ready line within {READY_TIMEOUT_SECONDS:.0f} s"
            break
        time.sleep(0.05)
    raise RuntimeError(
        f"The local identity provider ({SERVER}) {why}. Its output:\n"
        + ("".join(lines) or "(nothing)")
    )


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_SECONDS)


@contextlib.contextmanager
def run_identity_provider(
    accounts: Sequence[Account], clients: Sequence[Client], tmp_path: Path
) -> Iterator[IdentityProvider]:
    """Start scripts/idp/server.mjs with these accounts and clients (config in tmp_path), wait
    for its ready line (30 s at most), yield it, and stop it afterwards."""
    ensure_node_modules()
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH: the local identity provider needs Node.js")
    tmp_path.mkdir(parents=True, exist_ok=True)
    config_path = tmp_path / "idp-config.json"
    _write_config(config_path, list(accounts), list(clients))
    environment = {**os.environ, "IDP_CONFIG": str(config_path), "IDP_PORT": "0"}
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [node, str(SERVER)],
        cwd=ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    lines: list[str] = []
    reader = threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True)
    reader.start()
    try:
        match = _wait_until_ready(process, lines, reader)
        yield IdentityProvider(
            issuer=match["url"],
            port=int(match["port"]),
            config_path=config_path,
            clients=list(clients),
            process=process,
            _lines=lines,
        )
    finally:
        _stop(process)
        reader.join(timeout=2)


def identity_provider_fixture(
    accounts: Sequence[Account], clients: Sequence[Client], scope: str = "module"
) -> Callable[..., Iterator[IdentityProvider]]:
    """A pytest fixture that runs one provider for its scope:

    identity_provider = identity_provider_fixture(ACCOUNTS, [client_metadata(...)])
    """

    @pytest.fixture(scope=scope)  # type: ignore[call-overload]
    def _identity_provider(
        tmp_path_factory: pytest.TempPathFactory,
    ) -> Iterator[IdentityProvider]:
        with run_identity_provider(accounts, clients, tmp_path_factory.mktemp("idp")) as idp:
            yield idp

    return _identity_provider
