"""`manage.py bench_pages`: server time and queries of the main pages at the data set's scale.

For each page of spec/product.md's page bar (the insats list, the deltagare list with
filters, a deltagande) and the other main pages of the load test, the page is requested
`--repeat` times through Django's test client as its role's user (signed in with the
second factor verified) against the biggest förbund of the database. Prints the data set
first (its years and deltaganden, and the förbund's), then the median and the worst server
time and the number of queries; the target is a median under 50 ms, 60 ms with 20 years
of history.
"""

from __future__ import annotations

import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.db.models import Count, Max, Min
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from deltagare.models import Deltagande
from dev import loadtest
from forbund.models import Forbund, User

TARGET_MEDIAN_MS = 50
# Issue 18: with 20 years of history the same pages may take a little longer.
TARGET_MEDIAN_MS_20_AR = 60
# The pages the bar names (the others are printed for information): spec/product.md's,
# and issue 18's pages that must not grow with history (the start pages with their
# data-quality counts, the förbundsadministratör's pseudonymised list).
BAR = {
    "insatslista filtrerad",
    "deltagarlista filtrerad",
    "deltagande",
    "start",
    "deltaganden (pseudonymiserat)",
}


def bench_host() -> str:
    """A host the settings accept: the README's .env allows localhost, not "testserver"."""
    hosts = [h for h in settings.ALLOWED_HOSTS if h and not h.startswith((".", "*"))]
    return hosts[0] if hosts else "testserver"


def signed_in(user: User) -> Client:
    client = Client(HTTP_HOST=bench_host())
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user).first()
    if device:
        request = type("R", (), {})()
        request.session = client.session
        request.user = user
        otp_login(request, device)
        request.session.save()
    return client


def data_set(plan: dict) -> tuple[str, int]:
    """What is measured: the database's deltaganden and their years, and the förbund's;
    and the number of years."""
    alla = Deltagande.objects.aggregate(
        antal=Count("pk"), forsta=Min("startdatum__year"), sista=Max("startdatum__year")
    )
    admin = next(a for a in plan["accounts"] if a["roll"] == "forbundsadministrator")
    forbund = Forbund.objects.get(uppdrag__user__username=admin["username"])
    egna = Deltagande.objects.filter(insats__forbund=forbund).count()
    years = alla["sista"] - alla["forsta"] + 1 if alla["antal"] else 0
    return (
        f"Datamängd: {Forbund.objects.count()} förbund, {alla['antal']} deltaganden med start "
        f"{alla['forsta']}–{alla['sista']} ({years} år, databas "
        f"{settings.DATABASES['default']['NAME']}); mätt mot {forbund.namn} med {egna} "
        "deltaganden.",
        years,
    )


class Command(BaseCommand):
    help = "Sidornas servertid (median) och antal frågor mot databasens största förbund."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repeat", type=int, default=20)

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("Mätningen skapar testkonton och körs aldrig i produktion.")
        try:
            plan = loadtest.prepare_plan(per_role=1, forbund_count=1)
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        described, years = data_set(plan)
        target = TARGET_MEDIAN_MS_20_AR if years >= 20 else TARGET_MEDIAN_MS
        self.stdout.write(described + "\n")
        self.stdout.write(f"{'sida':<48} {'median':>7} {'max':>7} {'frågor':>7}  mål")
        missed = []
        for account in plan["accounts"]:
            client = signed_in(User.objects.get(username=account["username"]))
            for label, url in account["pages"]:
                times, queries = [], set()
                for _ in range(options["repeat"]):
                    reset_queries()  # (a full DEBUG query log would count none)
                    with CaptureQueriesContext(connection) as captured:
                        start = time.perf_counter()
                        response = client.get(url)
                        times.append((time.perf_counter() - start) * 1000)
                    queries.add(len(captured))
                    if response.status_code != 200:
                        raise CommandError(f"{url} svarade {response.status_code}.")
                median = statistics.median(times)
                name = f"{account['roll']}: {label}"
                verdict = ""
                if label in BAR:
                    verdict = "ok" if median < target else "EJ uppfyllt"
                    if median >= target:
                        missed.append(name)
                self.stdout.write(
                    f"{name[:48]:<48} {median:>5.1f}ms {max(times):>5.0f}ms "
                    f"{'/'.join(map(str, sorted(queries))):>7}  {verdict}"
                )
        self.stdout.write(
            f"\nMål ({years} år): median under {target} ms för insatslistan, deltagarlistan med "
            f"filter, en deltagande, startsidorna och de pseudonymiserade deltagandena; {'uppfyllt' if not missed else 'EJ uppfyllt: ' + ', '.join(missed)}."
        )
