from __future__ import annotations

import io
import json
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from forbund.choices import Medlemstyp
from forbund.models import Medlemsbidrag

from ..factories import ForbundFactory, MedlemsbidragFactory, full_forbund

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def detail_url(forbund, **params):
    url = reverse("forbund:detail", args=[forbund.organisationsnummer])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def edit_url(forbund, ar, medlemskap):
    return reverse("forbund:bidrag_edit", args=[forbund.organisationsnummer, ar, medlemskap.pk])


class TestForbundList:
    def test_forbundsadministrator_sees_only_own_forbund(
        self, client_admin_a, forbund_a, forbund_b
    ):
        response = client_admin_a.get(reverse("forbund:list"))
        assert response.status_code == 200
        assert list(response.context["page_obj"]) == [forbund_a]
        assert forbund_b.namn not in response.text

    def test_nationella_radet_sees_all_and_filters_by_lan(self, client_radet, forbund_a, forbund_b):
        response = client_radet.get(reverse("forbund:list"))
        assert {f.pk for f in response.context["page_obj"]} == {forbund_a.pk, forbund_b.pk}
        response = client_radet.get(reverse("forbund:list"), {"lan": "12"})
        assert list(response.context["page_obj"]) == [forbund_b]

    def test_search_by_name_orgnr_and_member_kommun(self, client_radet, forbund_a, forbund_b):
        for q in ["förbundet A", forbund_a.organisationsnummer_display, "Enköping"]:
            response = client_radet.get(reverse("forbund:list"), {"q": q})
            assert list(response.context["page_obj"]) == [forbund_a], q

    def test_htmx_request_gets_only_the_table(self, client_radet, forbund_a):
        response = client_radet.get(reverse("forbund:list"), {"q": "A"}, **HTMX)
        assert response.status_code == 200
        assert "<html" not in response.text
        assert 'id="forbund-table"' in response.text
        assert response["Vary"].lower().count("hx-request") == 1

    def test_member_kommuner_are_counted(self, client_radet, forbund_a):
        response = client_radet.get(reverse("forbund:list"))
        assert response.context["page_obj"][0].antal_kommuner == 2

    def test_wrong_method(self, client_radet):
        assert client_radet.post(reverse("forbund:list")).status_code == 405

    def test_handlaggare_has_no_registry(self, client_handlaggare_a, forbund_a):
        assert client_handlaggare_a.get(reverse("forbund:list")).status_code == 404

    def test_anonymous_is_sent_to_login(self, client, forbund_a):
        response = client.get(reverse("forbund:list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("konto:login"))

    @pytest.mark.parametrize("count", [10, 60])
    def test_query_count_does_not_grow(self, client_radet, count, django_assert_max_num_queries):
        for _ in range(count):
            ForbundFactory()
        with django_assert_max_num_queries(6):
            response = client_radet.get(reverse("forbund:list"))
        assert response.status_code == 200
        assert len(response.context["page_obj"]) == min(count, 25)


class TestForbundDetail:
    def test_shows_members_contributions_and_5_paragraph_check(self, client_admin_a, forbund_a):
        fk = forbund_a.medlemskap.get(medlemstyp=Medlemstyp.FORSAKRINGSKASSAN)
        MedlemsbidragFactory(medlemskap=fk, ar=2015, beslutat=1_000_000)
        response = client_admin_a.get(detail_url(forbund_a, ar=2015))
        assert response.status_code == 200
        assert "Uppsala" in response.text and "Enköping" in response.text
        assert "följer inte 5 §" in response.text
        # Keeping the state's million, the regions and kommuner would pay 500 000 each.
        assert (
            "regionerna 500\xa0000 kr, kommunerna 500\xa0000 kr (totalt 2\xa0000\xa0000 kr)"
            in response.text
        )
        assert response.context["can_edit"] is True

    def test_balanced_year_says_so(self, client_admin_a, forbund_a):
        for m in forbund_a.medlemskap.all():
            amount = {
                "forsakringskassan": 400,
                "arbetsformedlingen": 0,
                "region": 200,
                "kommun": 100,
            }[m.medlemstyp]
            MedlemsbidragFactory(medlemskap=m, ar=2014, beslutat=amount)
        response = client_admin_a.get(detail_url(forbund_a, ar=2014))
        assert "Fördelningen följer 5 §" in response.text

    def test_decided_but_not_paid_by_5_paragraph_is_no_pass_in_the_overview(
        self, client_admin_a, forbund_a
    ):
        """The decided amounts follow 5 §, the paid ones do not: the year's row in "Bidrag per
        år" and the panel give the same verdict."""
        beslutat = {"forsakringskassan": 400, "arbetsformedlingen": 0, "region": 200, "kommun": 100}
        for m in forbund_a.medlemskap.all():
            b = beslutat[m.medlemstyp]
            MedlemsbidragFactory(
                medlemskap=m, ar=2016, beslutat=b, inbetalt=0 if m.medlemstyp == "region" else b
            )
        response = client_admin_a.get(detail_url(forbund_a, ar=2016))
        (rad,) = response.context["oversikt"]
        assert rad["kontroll"].ok is False
        assert "Följer 5 §" not in response.text
        assert "Fördelningen följer 5 §" not in response.text
        assert "<strong>Avviker från 5 § (inbetalt)</strong>" in response.text
        assert "de inbetalda bidragen för 2016 följer inte 5 §" in response.text

    def test_a_new_forbund_without_contributions_gets_no_warning(self, client_admin_a, forbund_a):
        response = client_admin_a.get(detail_url(forbund_a))
        assert response.status_code == 200
        assert response.context["year"].kontroll.registrerat is False
        assert "Varning" not in response.text
        assert "följer inte 5 §" not in response.text
        assert "Inga medlemsbidrag är registrerade" in response.text

    def test_nationella_radet_reads_without_edit_links(self, client_radet, forbund_a):
        response = client_radet.get(detail_url(forbund_a))
        assert response.status_code == 200
        assert response.context["can_edit"] is False
        assert "Ändra" not in response.text

    def test_other_forbund_is_404(self, client_admin_b, forbund_a):
        assert client_admin_b.get(detail_url(forbund_a)).status_code == 404

    def test_handlaggare_is_404(self, client_handlaggare_a, forbund_a):
        assert client_handlaggare_a.get(detail_url(forbund_a)).status_code == 404

    def test_wrong_method(self, client_admin_a, forbund_a):
        assert client_admin_a.post(detail_url(forbund_a)).status_code == 405

    def test_bad_year_falls_back_to_default(self, client_admin_a, forbund_a):
        assert client_admin_a.get(detail_url(forbund_a, ar="x")).status_code == 200

    def test_query_count_is_fixed(self, client_admin_a, django_assert_max_num_queries, admin_a):
        big = full_forbund(kommuner=["0114", "0115", "0117", "0120", "0123", "0125"], lan="01")
        admin_a.uppdrag.create(roll="forbundsadministrator", forbund=big)
        for m in big.medlemskap.all():
            MedlemsbidragFactory(medlemskap=m, ar=2015)
        with django_assert_max_num_queries(16):
            response = client_admin_a.get(detail_url(big, ar=2015))
        assert response.status_code == 200


class TestBidragEdit:
    def test_htmx_get_returns_the_form_in_place(self, client_admin_a, forbund_a):
        kommun = forbund_a.medlemskap.get(kommun_id="0381")
        response = client_admin_a.get(edit_url(forbund_a, 2015, kommun), **HTMX)
        assert response.status_code == 200
        assert "<html" not in response.text
        assert 'name="beslutat"' in response.text

    def test_htmx_post_saves_and_returns_updated_section(self, client_admin_a, forbund_a):
        kommun = forbund_a.medlemskap.get(kommun_id="0381")
        response = client_admin_a.post(
            edit_url(forbund_a, 2015, kommun), {"beslutat": "250000", "inbetalt": "125000"}, **HTMX
        )
        assert response.status_code == 200
        assert "Bidraget för Enköping 2015 har sparats." in response.text
        bidrag = Medlemsbidrag.objects.get(medlemskap=kommun, ar=2015)
        assert (bidrag.beslutat, bidrag.inbetalt) == (250_000, 125_000)

    def test_plain_post_redirects_back_to_the_year(self, client_admin_a, forbund_a):
        kommun = forbund_a.medlemskap.get(kommun_id="0381")
        response = client_admin_a.post(
            edit_url(forbund_a, 2015, kommun), {"beslutat": "1", "inbetalt": ""}
        )
        assert response.status_code == 302
        assert response["Location"].endswith("?ar=2015#bidrag")

    def test_invalid_amount_is_explained_and_nothing_saved(self, client_admin_a, forbund_a):
        kommun = forbund_a.medlemskap.get(kommun_id="0381")
        response = client_admin_a.post(
            edit_url(forbund_a, 2015, kommun), {"beslutat": "-5", "inbetalt": "tio"}, **HTMX
        )
        assert response.status_code == 200
        assert "Formuläret innehåller fel" in response.text
        assert not Medlemsbidrag.objects.exists()

    def test_paid_without_decided_is_refused(self, client_admin_a, forbund_a):
        kommun = forbund_a.medlemskap.get(kommun_id="0381")
        response = client_admin_a.post(
            edit_url(forbund_a, 2015, kommun), {"beslutat": "", "inbetalt": "10"}
        )
        assert "Ange det beslutade bidraget" in response.text
        assert not Medlemsbidrag.objects.exists()

    def test_empty_amounts_remove_the_contribution(self, client_admin_a, forbund_a):
        kommun = forbund_a.medlemskap.get(kommun_id="0381")
        MedlemsbidragFactory(medlemskap=kommun, ar=2015)
        client_admin_a.post(edit_url(forbund_a, 2015, kommun), {"beslutat": "", "inbetalt": ""})
        assert not Medlemsbidrag.objects.exists()

    def test_nationella_radet_cannot_edit(self, client_radet, forbund_a):
        kommun = forbund_a.medlemskap.get(kommun_id="0381")
        assert client_radet.get(edit_url(forbund_a, 2015, kommun)).status_code == 404
        assert (
            client_radet.post(edit_url(forbund_a, 2015, kommun), {"beslutat": "1"}).status_code
            == 404
        )
        assert not Medlemsbidrag.objects.exists()

    def test_other_forbund_cannot_edit(self, client_admin_b, forbund_a):
        kommun = forbund_a.medlemskap.get(kommun_id="0381")
        assert (
            client_admin_b.post(edit_url(forbund_a, 2015, kommun), {"beslutat": "1"}).status_code
            == 404
        )
        assert not Medlemsbidrag.objects.exists()

    def test_member_of_another_forbund_is_404(self, client_admin_a, forbund_a, forbund_b):
        other = forbund_b.medlemskap.get(kommun_id="1280")
        assert client_admin_a.get(edit_url(forbund_a, 2015, other)).status_code == 404

    def test_year_before_membership_is_404(self, client_admin_a, forbund_a):
        kommun = forbund_a.medlemskap.get(kommun_id="0381")
        assert client_admin_a.get(edit_url(forbund_a, 2005, kommun)).status_code == 404

    def test_wrong_method(self, client_admin_a, forbund_a):
        kommun = forbund_a.medlemskap.get(kommun_id="0381")
        assert client_admin_a.put(edit_url(forbund_a, 2015, kommun)).status_code == 405


@pytest.fixture
def no_heartbeats():
    from django.core.cache import cache

    keys = ["finsam:halsa:worker", "finsam:halsa:beat"]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


class TestHealth:
    def test_reports_postgresql_and_redis(self, client, db, no_heartbeats):
        response = client.get(reverse("health"))
        assert response.status_code == 200
        assert response.json() == {
            "status": "ok",
            # No heartbeat yet: beat and the worker are reported, the web server is healthy.
            "checks": {"postgresql": "ok", "redis": "ok", "worker": "fel", "beat": "fel"},
        }

    def test_redis_down_is_503(self, client, db, settings):
        settings.REDIS_URL = "redis://127.0.0.1:1/0"
        response = client.get(reverse("health"))
        assert response.status_code == 503
        assert response.json()["checks"] == {
            "postgresql": "ok",
            "redis": "fel",
            "worker": "fel",
            "beat": "fel",
        }

    def test_beat_and_worker_heartbeats(self, client, db, no_heartbeats):
        from django.core.cache import cache
        from kombu import Connection

        from forbund.tasks import heartbeat

        # What beat does every minute: send the heartbeat (to an in-memory broker here).
        with Connection("memory://") as connection:
            heartbeat.apply_async(connection=connection)
        assert client.get(reverse("health")).json()["checks"]["beat"] == "ok"
        assert client.get(reverse("health")).json()["checks"]["worker"] == "fel"
        heartbeat.run()  # what the worker does with it
        assert client.get(reverse("health")).json()["checks"]["worker"] == "ok"
        # Three missed heartbeats: beat is reported dead, and the command fails.
        cache.set("finsam:halsa:beat", time.time() - 181, timeout=None)
        assert client.get(reverse("health")).json()["checks"]["beat"] == "fel"
        call_command("halsa", "--del", "worker", stdout=io.StringIO())
        out = io.StringIO()
        with pytest.raises(CommandError, match="Fungerar inte: beat"):
            call_command("halsa", "--del", "beat", stdout=out)
        assert json.loads(out.getvalue())["beat"] == "fel"

    def test_answers_any_host(self, client, db, settings):
        settings.ALLOWED_HOSTS = ["finsam.example.se"]
        assert client.get("/halsa/", HTTP_HOST="127.0.0.1:8000").status_code == 200

    def test_wrong_method(self, client, db):
        assert client.post(reverse("health")).status_code == 405


class TestStart:
    def test_forbundsadministrator_sees_own_forbund(self, client_admin_a, forbund_a):
        response = client_admin_a.get(reverse("start"))
        assert response.status_code == 200
        assert forbund_a.get_absolute_url() in response.text

    def test_wrong_method(self, client_admin_a):
        assert client_admin_a.post(reverse("start")).status_code == 405

    def test_anonymous_is_sent_to_login(self, client, db):
        assert client.get(reverse("start")).status_code == 302
