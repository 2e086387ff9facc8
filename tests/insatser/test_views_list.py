"""The insats list of a förbund, the Insatser entry page, the start page and the menu."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ..factories import ForbundFactory, InsatsFactory, UppdragFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def list_url(forbund, **params):
    url = reverse("insatser:list", args=[forbund.organisationsnummer])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def koder(response) -> list[str]:
    return [i.kod for i in response.context["page_obj"]]


@pytest.fixture
def portfolio(forbund_a):
    """Four insatser of förbund A over several years and both levels."""
    today = timezone.localdate()
    return {
        "rehab": InsatsFactory(
            forbund=forbund_a,
            kod="R1",
            startdatum=dt.date(2014, 1, 1),
            slutdatum=dt.date(2016, 12, 31),
            behovsgrupper=["langtidssjukskrivna"],
        ),
        "volym": InsatsFactory(
            forbund=forbund_a,
            kod="V1",
            typ="forebyggande",
            deltagarregistrering="volym",
            startdatum=dt.date(2015, 6, 1),
            behovsgrupper=["unga_aktivitetsersattning", "langtidssjukskrivna"],
        ),
        "dialog": InsatsFactory(
            forbund=forbund_a,
            kod="S1",
            niva="struktur",
            typ="dialog",
            startdatum=dt.date(2012, 1, 1),
            slutdatum=dt.date(2030, 12, 31),
            avslutad_datum=dt.date(2015, 3, 31),
        ),
        "planerad": InsatsFactory(
            forbund=forbund_a, kod="P1", startdatum=today + dt.timedelta(days=30)
        ),
    }


class TestInsatsList:
    def test_forbundsadministrator_sees_the_forbunds_insatser(
        self, client_admin_a, portfolio, insats_b
    ):
        response = client_admin_a.get(list_url(portfolio["rehab"].forbund))
        assert response.status_code == 200
        assert koder(response) == ["P1", "R1", "S1", "V1"]
        assert insats_b.namn not in response.text
        assert response.context["counts"]["antal"] == 4
        assert response.context["niva_counts"] == [
            ("Individinriktade insatser", 3),
            ("Strukturinriktade insatser", 1),
        ]
        assert response.context["can_create"] is True

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"ar": 2015}, ["R1", "S1", "V1"]),
            ({"ar": 2016}, ["R1", "V1"]),
            ({"niva": "struktur"}, ["S1"]),
            ({"typ": "forebyggande"}, ["V1"]),
            ({"status": "avslutad"}, ["R1", "S1"]),
            ({"status": "pagaende"}, ["V1"]),
            ({"status": "planerad"}, ["P1"]),
            ({"behovsgrupp": "langtidssjukskrivna"}, ["R1", "V1"]),
            ({"behovsgrupp": "unga_aktivitetsersattning", "ar": 2015}, ["V1"]),
            ({"q": "s1"}, ["S1"]),
            ({"niva": "individ", "status": "avslutad", "ar": 2014}, ["R1"]),
        ],
    )
    def test_filters(self, client_admin_a, portfolio, params, expected):
        response = client_admin_a.get(list_url(portfolio["rehab"].forbund, **params))
        assert koder(response) == expected
        assert response.context["counts"]["antal"] == len(expected)

    def test_invalid_filter_is_ignored_and_the_others_apply(self, client_admin_a, portfolio):
        response = client_admin_a.get(
            list_url(portfolio["rehab"].forbund, ar="x", niva="struktur", status="okand")
        )
        assert response.status_code == 200
        assert koder(response) == ["S1"]

    def test_htmx_request_gets_only_the_table(self, client_admin_a, portfolio):
        response = client_admin_a.get(list_url(portfolio["rehab"].forbund, niva="individ"), **HTMX)
        assert response.status_code == 200
        assert "<html" not in response.text
        assert 'id="insats-tabell"' in response.text
        assert response["Vary"].lower().count("hx-request") == 1

    def test_handlaggare_sees_only_assigned_insatser(
        self, client_handlaggare_a, insats_a, tilldelad_insats_a
    ):
        response = client_handlaggare_a.get(list_url(insats_a.forbund))
        assert response.status_code == 200
        assert koder(response) == ["A-2"]
        assert response.context["can_create"] is False
        assert "Ny insats" not in response.text

    def test_insats_with_several_handlaggare_is_listed_once(
        self, client_admin_a, tilldelad_insats_a
    ):
        extra = UppdragFactory(roll="handlaggare", forbund=tilldelad_insats_a.forbund)
        tilldelad_insats_a.tilldelningar.create(uppdrag=extra)
        response = client_admin_a.get(list_url(tilldelad_insats_a.forbund))
        assert koder(response) == ["A-2"]

    def test_paginates(self, client_admin_a, forbund_a):
        InsatsFactory.create_batch(30, forbund=forbund_a)
        response = client_admin_a.get(list_url(forbund_a, sida=2))
        assert len(response.context["page_obj"]) == 5
        assert "Sida 2 av 2" in response.text

    @pytest.mark.parametrize("count", [10, 200])
    def test_query_count_does_not_grow(
        self, client_admin_a, forbund_a, count, django_assert_max_num_queries
    ):
        for n in range(count):
            InsatsFactory(
                forbund=forbund_a,
                niva="struktur" if n % 3 == 0 else "individ",
                typ="kartlaggning",
                behovsgrupper=["langtidssjukskrivna", "unga_funktionsnedsattning"][: n % 3],
            )
        with django_assert_max_num_queries(9):
            response = client_admin_a.get(list_url(forbund_a, ar=2015))
        assert response.status_code == 200
        assert response.context["counts"]["antal"] == count

    def test_handlaggare_query_count_does_not_grow(
        self, client_handlaggare_a, tilldelad_insats_a, django_assert_max_num_queries
    ):
        uppdrag = tilldelad_insats_a.tilldelningar.get().uppdrag
        for _ in range(40):
            InsatsFactory(forbund=tilldelad_insats_a.forbund).tilldelningar.create(uppdrag=uppdrag)
        with django_assert_max_num_queries(9):
            response = client_handlaggare_a.get(list_url(tilldelad_insats_a.forbund))
        assert response.context["counts"]["antal"] == 41


class TestInsatserStart:
    def test_one_forbund_goes_straight_to_its_list(self, client_admin_a, forbund_a):
        response = client_admin_a.get(reverse("insatser:start"))
        assert response.status_code == 302
        assert response["Location"] == list_url(forbund_a)

    def test_several_forbund_are_offered(self, client_administrator, forbund_a, forbund_b):
        response = client_administrator.get(reverse("insatser:start"))
        assert response.status_code == 200
        assert list_url(forbund_a) in response.text and list_url(forbund_b) in response.text

    def test_handlaggare_goes_to_the_forbund_of_the_assignment(
        self, client_handlaggare_a, forbund_a
    ):
        assert client_handlaggare_a.get(reverse("insatser:start"))["Location"] == list_url(
            forbund_a
        )

    def test_nationella_radet_is_404(self, client_radet, forbund_a):
        assert client_radet.get(reverse("insatser:start")).status_code == 404

    def test_wrong_method(self, client_admin_a):
        assert client_admin_a.post(reverse("insatser:start")).status_code == 405


class TestStartAndMenu:
    def test_handlaggare_start_page_lists_their_insatser(
        self, client_handlaggare_a, insats_a, tilldelad_insats_a
    ):
        response = client_handlaggare_a.get(reverse("start"))
        assert "Dina insatser" in response.text
        assert tilldelad_insats_a.get_absolute_url() in response.text
        assert insats_a.get_absolute_url() not in response.text

    def test_forbundsadministrator_start_page_links_insatser_and_ekonomi(
        self, client_admin_a, forbund_a
    ):
        response = client_admin_a.get(reverse("start"))
        assert list_url(forbund_a) in response.text
        assert reverse("insatser:ekonomi_current", args=[forbund_a.organisationsnummer]) in (
            response.text
        )

    @pytest.mark.parametrize(
        ("who", "insatser", "ekonomi"),
        [
            ("client_admin_a", True, True),
            ("client_handlaggare_a", True, False),
            ("client_administrator", True, True),
            ("client_radet", False, False),
        ],
    )
    def test_menu(self, request, who, insatser, ekonomi):
        html = request.getfixturevalue(who).get(reverse("start")).text
        menu = html[html.index('aria-label="Huvudmeny"') :]
        menu = menu[: menu.index("</nav>")]
        assert (f'href="{reverse("insatser:start")}"' in menu) is insatser
        assert (f'href="{reverse("insatser:ekonomi_start")}"' in menu) is ekonomi

    def test_forbund_page_links_insatser_for_its_administrator(
        self, client_admin_a, client_radet, forbund_a
    ):
        assert list_url(forbund_a) in client_admin_a.get(forbund_a.get_absolute_url()).text
        assert list_url(forbund_a) not in client_radet.get(forbund_a.get_absolute_url()).text


def test_forbund_without_insatser_shows_empty_list(client_administrator):
    forbund = ForbundFactory()
    response = client_administrator.get(list_url(forbund))
    assert "Inga insatser matchar filtret." in response.text


def test_typ_options_follow_the_chosen_niva(client_admin_a, forbund_a):
    url = reverse("insatser:list", args=[forbund_a.organisationsnummer])
    page = client_admin_a.get(url, {"niva": "individ"}).content.decode()
    assert 'value="rehabilitering"' in page and 'value="dialog"' not in page
    # Choosing the nivå in the list (htmx): the table and, out of band, the typ field.
    swapped = client_admin_a.get(url, {"niva": "struktur"}, headers={"HX-Request": "true"})
    text = swapped.content.decode()
    assert 'id="typ-falt" class="contents" hx-swap-oob="true"' in text
    assert 'value="dialog"' in text and 'value="rehabilitering"' not in text
    assert "<html" not in text
    everything = client_admin_a.get(url).content.decode()
    assert 'value="dialog"' in everything and 'value="rehabilitering"' in everything
