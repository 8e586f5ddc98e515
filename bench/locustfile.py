"""The load test of `make bench` (bench/run_bench.py starts it): signed-in users of the four roles
on the portal's pages, each reading a page for 1-3 seconds before the next (run_bench.py
--load-wait changes that; 0 0 is a closed loop of back-to-back requests).

The sessions come signed in from run_bench.py (BENCH_LOAD_CONFIG: the cookies of ITD staff,
digitalisation officers, members and guests, in turn, with each one's role; those with a second
factor must sign in with a code, which counts once per account), so the load is the pages, not
the sign-in. Each user opens, at random, the pages its role opened in the single-user
measurement (the config's "pages" by role); the statistics are named by page, over all roles.
Loopback only: the host is the local gunicorn.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, task

CONFIG = json.loads(Path(os.environ["BENCH_LOAD_CONFIG"]).read_text())
SESSIONS = itertools.cycle(CONFIG["sessions"])
PAGES: dict[str, dict[str, str]] = CONFIG["pages"]


class SignedInUser(HttpUser):
    wait_time = between(*CONFIG.get("wait", (1, 3)))

    def on_start(self) -> None:
        session = next(SESSIONS)
        self.pages = list(PAGES[session["role"]].items())
        for name, value in session["cookies"].items():
            self.client.cookies.set(name, value)

    @task
    def page(self) -> None:
        """One of the role's pages; anything but a 200 without redirect is an error."""
        name, path = random.choice(self.pages)
        with self.client.get(
            path, name=name, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.url}")
