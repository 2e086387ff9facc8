"""The load test's plan: accounts per role whose every page answers 200 to that account."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from deltagare.services import register_anonymous_deltagande
from dev import loadtest
from dev.management.commands.bench_pages import signed_in
from forbund.models import User

from ..factories import InsatsFactory, full_forbund

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    forbund = full_forbund(kommuner=["0380"], lan="03")
    insats = InsatsFactory(forbund=forbund, kod="IND-1", startdatum=dt.date(2024, 1, 1))
    register_anonymous_deltagande(insats=insats, kon="kvinna", startdatum=dt.date(2024, 3, 1))
    return forbund


def test_every_page_of_the_plan_answers_its_account(world):
    plan = loadtest.prepare_plan(per_role=2)
    roles = [a["roll"] for a in plan["accounts"]]
    assert sorted(roles) == sorted(["forbundsadministrator", "handlaggare", "nationella_radet"] * 2)
    labels = {label for a in plan["accounts"] for label, _ in a["pages"]}
    assert {"insatslista filtrerad", "deltagarlista filtrerad", "deltagande"} <= labels
    for account in plan["accounts"]:
        user = User.objects.get(username=account["username"])
        assert user.check_password(plan["password"])
        assert bool(account["totp_key"]) == TOTPDevice.objects.filter(user=user).exists()
        client = signed_in(user)
        for label, url in account["pages"]:
            assert client.get(url).status_code == 200, (account["roll"], label, url)


def test_a_second_plan_replaces_the_accounts(world):
    loadtest.prepare_plan(per_role=2)
    loadtest.prepare_plan(per_role=1)
    accounts = User.objects.filter(username__startswith=loadtest.PREFIX)
    assert accounts.filter(is_active=True).count() == 3
    assert not accounts.filter(is_active=False, uppdrag__isnull=False).exists()


def test_no_data_is_a_clear_error(db):
    with pytest.raises(CommandError, match="generate_data"):
        call_command("loadtest")


@override_settings(PRODUCTION=True)
def test_refuses_to_run_in_production(world):
    with pytest.raises(CommandError, match="produktion"):
        call_command("bench_pages")


def test_percentiles_nearest_rank():
    times = [float(t) for t in range(1, 101)]
    assert loadtest.percentiles(times) == {"n": 100, "p50": 50.0, "p95": 95.0, "p99": 99.0}
    assert loadtest.percentiles([])["n"] == 0


def test_figures_read_from_locust_csv(tmp_path: Path):
    header = "Type,Name,Request Count,Failure Count,50%,95%,99%,Requests/s\n"
    (tmp_path / "x_stats.csv").write_text(
        header + "GET,start,10,0,20,40,60,2.0\n,Aggregated,10,0,20,40,60,2.0\n"
    )
    figures = loadtest.read_figures(tmp_path / "x")
    assert (figures.requests, figures.p95, figures.per_page[0]["name"]) == (10, 40.0, "start")


def test_login_figures_are_the_login_post(tmp_path: Path):
    header = "Type,Name,Request Count,Failure Count,50%,95%,99%,Requests/s\n"
    (tmp_path / "x_stats.csv").write_text(
        header
        + "GET,inloggning,50,0,10,20,30,2.0\n"
        + "POST,inloggning,50,0,90,1400,1900,2.0\n"
        + ",Aggregated,100,0,20,900,1800,4.0\n"
    )
    figures = loadtest.read_figures(tmp_path / "x")
    assert (figures.login["p50"], figures.login["p95"]) == (90.0, 1400.0)


def test_bench_pages_runs_with_the_readmes_allowed_hosts(world, settings):
    """The README's .env allows localhost and 127.0.0.1, not Django's "testserver"."""
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    plan = loadtest.prepare_plan(per_role=1)
    account = plan["accounts"][0]
    client = signed_in(User.objects.get(username=account["username"]))
    label, url = account["pages"][0]
    assert client.get(url).status_code == 200, label
