"""Locust users for `manage.py loadtest` (see dev/loadtest.py).

Each simulated user takes the next account of the plan, signs in through the real login
page (with its TOTP code where the role needs one) and then visits that role's pages in
random order with a think time (default 1–5 s, `--think`). Runs in Locust's process, without Django.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

from django_otp.oath import totp  # a pure function: no Django settings needed
from locust import HttpUser, between, events, task

with open(os.environ["FINSAM_LOADTEST_PLAN"], encoding="utf-8") as _f:
    PLAN = json.load(_f)
_accounts = itertools.cycle(PLAN["accounts"])
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _csrf(html: str) -> str:
    """The form's CSRF token; a page without one is not the form the user expects."""
    match = CSRF.search(html)
    if match is None:
        raise RuntimeError("The page has no CSRF token")
    return match.group(1)


SIGN_IN = {"inloggning", "tvåfaktor"}
# Response times (ms) of the pages, without signing in (deliberately slow password hashing).
page_times: list[float] = []


# The steady state begins when every user has signed in and is browsing.
_steady = False
_signed_in = 0


@events.request.add_listener
def _record(name, response_time, exception, **kwargs) -> None:
    if _steady and name not in SIGN_IN:
        page_times.append(response_time if exception is None else float("inf"))


@events.quitting.add_listener
def _write(**kwargs) -> None:
    with open(os.environ["FINSAM_LOADTEST_OUT"], "w", encoding="utf-8") as f:
        json.dump(page_times, f)


THINK = tuple(float(x) for x in os.environ.get("FINSAM_LOADTEST_THINK", "1-5").split("-"))


class FinsamUser(HttpUser):
    # Think time between pages: a person reads the page before the next click.
    wait_time = between(*THINK)

    def on_start(self) -> None:
        self.account = next(_accounts)
        response = self.client.get("/konto/logga-in/", name="inloggning")
        response = self.client.post(
            "/konto/logga-in/",
            {
                "username": self.account["username"],
                "password": PLAN["password"],
                "csrfmiddlewaretoken": _csrf(response.text),
            },
            name="inloggning",
        )
        if self.account["totp_key"]:
            response = self.client.post(
                "/konto/tvafaktor/",
                {
                    "token": f"{totp(bytes.fromhex(self.account['totp_key'])):06d}",
                    "csrfmiddlewaretoken": _csrf(response.text),
                },
                name="tvåfaktor",
            )
        if "/konto/" in response.url:
            raise RuntimeError(f"Inloggningen misslyckades för {self.account['username']}")
        global _signed_in, _steady
        _signed_in += 1
        if _signed_in >= self.environment.runner.target_user_count:
            _steady = True

    @task
    def page(self) -> None:
        label, url = random.choice(self.account["pages"])  # noqa: S311 (not for security)
        with self.client.get(
            url, name=f"{self.account['roll']}: {label}", catch_response=True
        ) as r:
            if r.status_code != 200:
                # No status: the request failed before an answer; say why.
                r.failure(
                    f"HTTP {r.status_code}" + (f" ({type(r.error).__name__})" if r.error else "")
                )
