"""The förbundsadministratör's pages (pseudonymised list, access log, data-quality panel) and
the register extract: happy paths, 404 for everyone outside, 405, never a personnummer."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from deltagare import services
from deltagare.models import Atkomstlogg, Deltagande

from ..factories import InsatsFactory, UppdragFactory
from ..formulas import FORMULAS, assert_csv_inert, assert_xlsx_inert
from .handlaggare_data import NUMMER, NUMMER_2, assigned_insats, person_deltagande

pytestmark = pytest.mark.django_db

# Every written form of the test numbers: none may reach a förbundsadministratör.
PNR_FORMS = ["199001010017", "19900101-0017", "900101-0017", "9001010017", "1990-01-01"]


@pytest.fixture
def data(forbund_a, handlaggare_a):
    insats = assigned_insats(forbund_a, handlaggare_a)
    d1 = person_deltagande(insats, handlaggare_a, NUMMER, startdatum=dt.date(2024, 3, 1))
    services.end_deltagande(deltagande=d1, slutdatum=dt.date(2024, 9, 1), avslutsorsak="fullfoljd")
    person_deltagande(insats, handlaggare_a, NUMMER_2, startdatum=dt.date(2025, 2, 1))
    services.register_anonymous_deltagande(
        insats=insats, kon="kvinna", startdatum=dt.date(2025, 1, 5)
    )
    services.log_access(user=handlaggare_a, person=d1.person, sida="/test/", anledning="Test")
    return insats, d1


def list_url(forbund, **params):
    url = reverse("deltagare_forbund:list", args=[forbund.organisationsnummer])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def assert_no_pnr(content: bytes | str) -> None:
    text = content.decode(errors="replace") if isinstance(content, bytes) else content
    for form in PNR_FORMS:
        assert form not in text, form


class TestPseudonymisedList:
    def test_lists_the_forbund_deltaganden_without_personal_data(
        self, client_admin_a, forbund_a, data
    ):
        response = client_admin_a.get(list_url(forbund_a))
        assert response.status_code == 200
        assert response.context["page_obj"].paginator.count == 3
        assert "16–29" not in response.text and "30–44" in response.text  # born 1990: 34 in 2024
        assert_no_pnr(response.content)

    def test_filters(self, client_admin_a, forbund_a, data):
        _, ended = data
        response = client_admin_a.get(list_url(forbund_a, status="utan_utfall"))
        assert [d.pk for d in response.context["page_obj"]] == [ended.pk]
        response = client_admin_a.get(list_url(forbund_a, ar=2024))
        assert [d.pk for d in response.context["page_obj"]] == [ended.pk]
        response = client_admin_a.get(list_url(forbund_a, status="aktiva"))
        assert response.context["page_obj"].paginator.count == 2

    @pytest.mark.parametrize("fmt", ["csv", "xlsx"])
    def test_download_has_the_same_columns_and_no_personnummer(
        self, client_admin_a, forbund_a, data, fmt
    ):
        response = client_admin_a.get(list_url(forbund_a, format=fmt))
        assert response.status_code == 200
        if fmt == "xlsx":
            rows = list(load_workbook(io.BytesIO(response.content)).active.values)
            text = "\n".join(";".join(str(c) for c in row if c is not None) for row in rows)
        else:
            text = response.content.decode()
        assert text.splitlines()[0].startswith("id;insats;registrering;kon;aldersband")
        assert len(text.strip().splitlines()) == 4
        assert_no_pnr(text)

    @pytest.mark.parametrize("fmt", ["csv", "xlsx"])
    def test_download_never_runs_a_formula(self, client_admin_a, forbund_a, data, fmt):
        """The cells are codes; one written past the forms still comes out as text."""
        insats, ended = data
        other = Deltagande.objects.get(insats=insats, person__isnull=False, slutdatum=None)
        codes = ("avslutsorsak", "forsorjning_efter", "sysselsattning_efter")
        slots = [(ended, f) for f in codes]
        slots += [(d, f) for d in (ended, other) for f in ("utbildningsniva", "forsorjning_fore")]
        formulas = [f for f in FORMULAS if len(f) <= 20]
        for (d, field), formula in zip(slots, formulas, strict=True):
            value = formula if field in ("avslutsorsak", "utbildningsniva") else [formula]
            Deltagande.objects.filter(pk=d.pk).update(**{field: value})
        response = client_admin_a.get(list_url(forbund_a, format=fmt))
        if fmt == "csv":
            assert_csv_inert(response.content, expected=formulas)
        else:
            assert_xlsx_inert(response.content, expected=formulas)

    @pytest.mark.parametrize("count", [10, 200])
    def test_fixed_number_of_queries(
        self, client_admin_a, forbund_a, count, django_assert_max_num_queries
    ):
        insats = InsatsFactory(forbund=forbund_a, kod="MANGA", startdatum=dt.date(2020, 1, 1))
        for i in range(count):
            services.register_anonymous_deltagande(
                insats=insats, kon="man", startdatum=dt.date(2020, 1, 1) + dt.timedelta(days=i)
            )
        with django_assert_max_num_queries(9):
            response = client_admin_a.get(list_url(forbund_a))
        assert response.status_code == 200

    @pytest.mark.parametrize(
        "who", ["client_admin_b", "client_handlaggare_a", "client_radet", "client_administrator"]
    )
    def test_others_get_404(self, request, who, forbund_a, data):
        assert request.getfixturevalue(who).get(list_url(forbund_a)).status_code == 404

    def test_wrong_method(self, client_admin_a, forbund_a):
        assert client_admin_a.post(list_url(forbund_a)).status_code == 405


class TestAccessLog:
    def url(self, forbund, **params):
        url = reverse("deltagare_forbund:atkomstlogg", args=[forbund.organisationsnummer])
        return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")

    def test_lists_and_filters_the_views(
        self, client_admin_a, forbund_a, data, handlaggare_a, admin_a
    ):
        response = client_admin_a.get(self.url(forbund_a))
        assert response.status_code == 200
        total = response.context["page_obj"].paginator.count
        assert total == Atkomstlogg.objects.filter(forbund=forbund_a).count() >= 1
        assert "/test/" in response.text
        assert_no_pnr(response.content)
        response = client_admin_a.get(self.url(forbund_a, anvandare=handlaggare_a.pk))
        assert response.context["page_obj"].paginator.count == total
        response = client_admin_a.get(self.url(forbund_a, fran="2000-01-01", till="2000-01-02"))
        assert response.context["page_obj"].paginator.count == 0

    def test_bad_range_is_explained(self, client_admin_a, forbund_a):
        response = client_admin_a.get(self.url(forbund_a, fran="2025-02-01", till="2025-01-01"))
        assert response.status_code == 200
        assert "Formuläret innehåller fel" in response.text

    def test_nobody_edits_it(self, client_admin_a, forbund_a, data):
        before = list(Atkomstlogg.objects.values_list("pk", "sida"))
        assert client_admin_a.post(self.url(forbund_a), {"sida": "x"}).status_code == 405
        assert list(Atkomstlogg.objects.values_list("pk", "sida")) == before

    @pytest.mark.parametrize("who", ["client_admin_b", "client_handlaggare_a", "client_radet"])
    def test_others_get_404(self, request, who, forbund_a):
        assert request.getfixturevalue(who).get(self.url(forbund_a)).status_code == 404

    def test_a_list_page_is_one_entry_naming_everyone_it_showed(
        self, client_admin_a, client_handlaggare_a, forbund_a, data, handlaggare_a
    ):
        from .handlaggare_data import make_nummer

        insats, _ = data
        for i in range(30):
            person_deltagande(insats, handlaggare_a, make_nummer(i))
        before = Atkomstlogg.objects.count()
        list_page = reverse("deltagare:list", args=[forbund_a.organisationsnummer, insats.kod])
        for sida in ("1", "2", "1"):
            assert client_handlaggare_a.get(list_page, {"sida": sida}).status_code == 200
        entries = list(Atkomstlogg.objects.order_by("pk")[before:])
        # Not one row per person: one per page view, naming the persons shown (a page of
        # 25 rows, one of them anonymous; then the last 8).
        assert len(entries) == 3
        assert [e.visningar.count() for e in entries] == [24, 8, 24]
        response = client_admin_a.get(self.url(forbund_a))
        text = response.text
        assert "24 personer:" in text and "8 personer:" in text
        assert_no_pnr(response.content)

    def test_filters_by_person(self, client_admin_a, forbund_a, data, handlaggare_a):
        insats, d1 = data
        d2 = insats.deltaganden.exclude(pk=d1.pk).exclude(person=None).get()
        services.log_access_many(
            user=handlaggare_a,
            deltaganden=list(insats.deltaganden.select_related("person")),
            sida="/lista/",
            anledning="Lista",
        )
        services.log_access(user=handlaggare_a, person=d2.person, sida="/d2/", anledning="En")
        person = str(d1.person.public_id)
        for value in (person, person[:8], person.upper()):
            response = client_admin_a.get(self.url(forbund_a, person=value))
            sidor = {e.sida for e in response.context["page_obj"]}
            assert sidor == {"/test/", "/lista/"}, value
        # A number typed there by mistake (one with a wrong check digit: the leak test
        # allows no valid number in a URL) is refused and not shown again.
        response = client_admin_a.get(self.url(forbund_a, person="19900101-0018"))
        assert "Ange personens id" in response.text
        assert "19900101-0018" not in response.text  # not even in the field

    def test_fixed_number_of_queries(
        self, client_admin_a, forbund_a, data, handlaggare_a, django_assert_max_num_queries
    ):
        insats, _ = data
        rows = list(insats.deltaganden.select_related("person"))
        for i in range(60):
            services.log_access_many(
                user=handlaggare_a, deltaganden=rows, sida=f"/{i}/", anledning="Lista"
            )
        # Session, user, assignments, förbund, users for the filter, count, page, persons.
        with django_assert_max_num_queries(9):
            response = client_admin_a.get(self.url(forbund_a))
        assert len(response.context["page_obj"].object_list) == 50


class TestRegisterutdrag:
    url = "/registerutdrag/"

    def test_handlaggare_gets_the_extract_and_it_is_logged(self, client_handlaggare_a, data):
        logged = Atkomstlogg.objects.filter(anledning="Registerutdrag (dina insatser)")
        response = client_handlaggare_a.post(self.url, {"personnummer": NUMMER})
        assert response.status_code == 200
        text = response.text
        assert "19900101-0017" in text  # the person's own data, for the handläggare
        assert "Vägen till arbete" in text  # the deltagande
        assert logged.count() == 1
        assert response["Cache-Control"].startswith("max-age=0")

    def test_unknown_person_is_an_error_without_the_number(self, client_handlaggare_a, data):
        response = client_handlaggare_a.post(self.url, {"personnummer": "19700101-0011"})
        assert "finns inte bland deltagarna i dina insatser" in response.text
        errors = " ".join(e for errs in response.context["form"].errors.values() for e in errs)
        assert "0011" not in errors

    def test_invalid_number(self, client_handlaggare_a):
        response = client_handlaggare_a.post(self.url, {"personnummer": "19900101-0018"})
        assert "Formuläret innehåller fel" in response.text

    def test_handlaggare_outside_the_insats_finds_nobody(self, forbund_a, data):
        from ..conftest import _verified_client

        other = UppdragFactory(roll="handlaggare", forbund=forbund_a, user__username="annan").user
        InsatsFactory(forbund=forbund_a, kod="ANNAN")
        response = _verified_client(other).post(self.url, {"personnummer": NUMMER})
        assert "finns inte bland deltagarna" in response.text
        assert "199001010017" not in response.text

    @pytest.mark.parametrize("who", ["client_admin_a", "client_radet", "client_administrator"])
    def test_roles_without_personal_data_get_404(self, request, who, data):
        client = request.getfixturevalue(who)
        assert client.get(self.url).status_code == 404
        assert client.post(self.url, {"personnummer": NUMMER}).status_code == 404

    def test_wrong_method(self, client_handlaggare_a):
        assert client_handlaggare_a.put(self.url).status_code == 405

    def test_the_extract_reads_as_a_letter_to_the_citizen(self, client_handlaggare_a, data):
        """Swedish labels instead of codes, the number as ÅÅÅÅMMDD-NNNN, no internal URLs,
        the förbund as sender (issue 16, item 12)."""
        import re as _re

        insats, _ = data
        response = client_handlaggare_a.post(self.url, {"personnummer": NUMMER})
        main = response.text.split("<main", 1)[1].split("</main>", 1)[0]
        assert "19900101-0017" in main and "199001010017" not in main
        assert "Inskriven som arbetssökande på Arbetsförmedlingen" in main
        assert "Aktivitetsstöd" in main and "Insatsen fullföljd enligt planeringen" in main
        for code in ("arbetssokande", "aktivitetsstod", "gymnasial", "upp_till_1", "fullfoljd"):
            assert code not in main, code
        assert "/test/" not in main  # the page a reader was on stays internal
        assert _re.findall(r'href="([^"]+)"', main) == ["/registerutdrag/"]  # "Nytt", not printed
        assert insats.forbund.namn in main
        assert insats.forbund.organisationsnummer_display in main


def test_start_page_panel_links_to_the_problem(client_admin_a, forbund_a, data):
    response = client_admin_a.get("/")
    text = response.text
    assert f"Datakvalitet i {forbund_a.namn}" in text
    assert list_url(forbund_a) + "?insats=IND-1&amp;status=utan_utfall" in text
    assert_no_pnr(response.content)
