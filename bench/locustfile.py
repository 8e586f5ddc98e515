"""The load test of `make bench` (bench/run_bench.py starts it): signed-in users on a mix of the
portal's busiest pages, each reading a page for 1-3 seconds before the next (run_bench.py
--load-wait changes that; 0 0 is a closed loop of back-to-back requests).

The sessions come signed in from run_bench.py (BENCH_LOAD_CONFIG: cookies of ITD staff and of
digitalisation officers, who must sign in with a second factor; a code counts once per account),
so the load is the pages, not the sign-in. Loopback only: the host is the local gunicorn.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

from locust import HttpUser, between, task

CONFIG = json.loads(Path(os.environ["BENCH_LOAD_CONFIG"]).read_text())
SESSIONS = itertools.cycle(CONFIG["sessions"])
PAGES = CONFIG["pages"]


class SignedInUser(HttpUser):
    wait_time = between(*CONFIG.get("wait", (1, 3)))

    def on_start(self) -> None:
        for name, value in next(SESSIONS).items():
            self.client.cookies.set(name, value)

    def _get(self, name: str) -> None:
        with self.client.get(PAGES[name], name=name, catch_response=True) as response:
            if response.status_code != 200 or "/accounts/" in response.url:
                response.failure(f"{response.status_code} {response.url}")

    @task(30)
    def portfolio(self) -> None:
        self._get("portfolio")

    @task(25)
    def project(self) -> None:
        self._get("project")

    @task(20)
    def cockpit(self) -> None:
        self._get("cockpit")

    @task(25)
    def space(self) -> None:
        self._get("space")
