"""The Django admin (forbund/admin.py) and who reaches it (finsam/admin.py)."""

from __future__ import annotations

import pytest
from axes.models import AccessFailureLog
from django.contrib import admin
from django.db import connection
from django.http import Http404
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from forbund.account_services import create_api_nyckel
from forbund.choices import Lan, Medlemstyp, Roll
from forbund.models import (
    ApiNyckel,
    Folkmangd,
    Forbund,
    Kommun,
    Medlemsbidrag,
    Medlemskap,
    Region,
    Uppdrag,
    User,
)
from forbund.validators import with_check_digit

from ..factories import MedlemsbidragFactory, UppdragFactory, full_forbund

pytestmark = pytest.mark.django_db

LOGIN = reverse("konto:login")
PASSWORD = "ett-langt-testlosenord"  # tests/factories.py UserFactory


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def query_count(client, url: str) -> int:
    client.get(url)  # warm the process-wide caches (content types) first
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def every_model_has_a_row(forbund_a, admin_a, radet):
    """At least one row of each registered model, axes' log rows included."""
    MedlemsbidragFactory(medlemskap=forbund_a.medlemskap.first(), ar=2020)
    Folkmangd.objects.create(kommun_id="0380", ar=2020, folkmangd=240_000)
    # A success clears the user's failed attempts (AXES_RESET_ON_SUCCESS): two users.
    Client().post(LOGIN, {"username": admin_a.username, "password": "fel-losenord"})
    Client().post(LOGIN, {"username": radet.username, "password": PASSWORD})
    # Written only with AXES_ENABLE_ACCESS_FAILURE_LOG, which Finsam leaves off.
    AccessFailureLog.objects.create(username="x", ip_address="127.0.0.1", path_info=LOGIN)
    # An API key of the förbund's administrator, and a call with it (rapporter/api.py).
    token = create_api_nyckel(user=admin_a, namn="Skript", giltig_till=None)
    Client().get("/api/v1/forbund", headers={"Authorization": f"Bearer {token}"})


class TestAdministrator:
    def test_opens_every_changelist_add_and_change_page(
        self, client_administrator, every_model_has_a_row
    ):
        assert client_administrator.get(reverse("admin:index")).status_code == 200
        for model, model_admin in admin.site._registry.items():
            name = model._meta.label
            assert client_administrator.get(admin_url(model, "changelist")).status_code == 200, name
            add = client_administrator.get(admin_url(model, "add"))
            assert add.status_code == (200 if "add" in model_admin.administrator_may else 403), name
            obj = model._default_manager.first()
            assert obj is not None, name
            change = client_administrator.get(admin_url(model, "change", obj.pk))
            assert change.status_code == 200, name

    def test_index_is_in_swedish_and_lists_the_registry(self, client_administrator):
        response = client_administrator.get(reverse("admin:index"))
        assert "Finsam – administration" in response.text
        for label in ("Samordningsförbund", "Medlemskap", "Kommuner", "Användare", "Uppdrag"):
            assert label in response.text
        assert "Grupper" not in response.text  # roles come from uppdrag, not groups

    def test_totp_key_is_never_shown(self, client_administrator, administrator):
        device = TOTPDevice.objects.get(user=administrator)
        response = client_administrator.get(admin_url(TOTPDevice, "change", device.pk))
        assert device.key not in response.text
        assert "qrcode" not in response.text

    def test_api_key_hash_is_never_shown(self, client_administrator, admin_a):
        create_api_nyckel(user=admin_a, namn="Skript", giltig_till=None)
        nyckel = ApiNyckel.objects.get()
        response = client_administrator.get(admin_url(ApiNyckel, "change", nyckel.pk))
        assert response.status_code == 200 and "Skript" in response.text
        assert nyckel.nyckel_hash not in response.text

    def test_user_form_has_employer_and_uppdrag(self, client_administrator, admin_a):
        response = client_administrator.get(admin_url(User, "change", admin_a.pk))
        assert 'name="arbetsgivartyp"' in response.text
        assert 'name="arbetsgivare"' in response.text
        assert 'name="uppdrag-0-roll"' in response.text
        assert 'name="is_staff"' not in response.text  # grants nothing in Finsam

    def test_search_by_organisationsnummer_with_hyphen(self, client_administrator, forbund_a):
        response = client_administrator.get(
            admin_url(Forbund, "changelist"), {"q": forbund_a.organisationsnummer_display}
        )
        assert list(response.context["cl"].result_list) == [forbund_a]

    def test_filter_kommuner_by_lan(self, client_administrator):
        response = client_administrator.get(admin_url(Kommun, "changelist"), {"lan__exact": "09"})
        assert [k.namn for k in response.context["cl"].result_list] == ["Gotland"]


def new_forbund_data(*members: dict, **fields) -> dict:
    """POST data for the förbund add form with the membership rows given."""
    data = {
        "organisationsnummer": with_check_digit("222999001"),
        "namn": "Samordningsförbundet Nytt",
        "lan": Lan.UPPSALA,
        "bildad": "2024-01-01",
        "upphord": "",
        **fields,
    }
    return data | medlemskap_rows(members)


def medlemskap_rows(rows, initial: int = 0) -> dict:
    data = {
        "medlemskap-TOTAL_FORMS": len(rows),
        "medlemskap-INITIAL_FORMS": initial,
        "medlemskap-MIN_NUM_FORMS": 0,
        "medlemskap-MAX_NUM_FORMS": 1000,
    }
    for i, row in enumerate(rows):
        data |= {f"medlemskap-{i}-{key}": value for key, value in row.items()}
    return data


FK = {"medlemstyp": Medlemstyp.FORSAKRINGSKASSAN, "intrade": "2024-01-01"}
AF = {"medlemstyp": Medlemstyp.ARBETSFORMEDLINGEN, "intrade": "2024-01-01"}
REGION = {"medlemstyp": Medlemstyp.REGION, "region": "03", "intrade": "2024-01-01"}
KOMMUN = {"medlemstyp": Medlemstyp.KOMMUN, "kommun": "0380", "intrade": "2024-01-01"}


class TestForbundWithMembers:
    def test_creates_forbund_with_its_memberships(self, client_administrator):
        response = client_administrator.post(
            admin_url(Forbund, "add"), new_forbund_data(FK, AF, REGION, KOMMUN)
        )
        assert response.status_code == 302, response.context["errors"]
        forbund = Forbund.objects.get(namn="Samordningsförbundet Nytt")
        assert forbund.missing_medlemstyper() == []
        assert forbund.medlemskap.get(medlemstyp=Medlemstyp.KOMMUN).kommun.namn == "Uppsala"

    def test_add_form_offers_four_rows(self, client_administrator):
        response = client_administrator.get(admin_url(Forbund, "add"))
        assert 'name="medlemskap-3-medlemstyp"' in response.text
        assert 'name="medlemskap-4-medlemstyp"' not in response.text

    def test_missing_member_kind_saves_nothing(self, client_administrator):
        before = Medlemskap.objects.count()
        response = client_administrator.post(
            admin_url(Forbund, "add"), new_forbund_data(FK, AF, REGION)
        )
        assert response.status_code == 200
        assert "Ett samordningsförbund ska ha fyra slags medlemmar" in response.text
        assert "saknas för: Kommun." in response.text
        assert not Forbund.objects.filter(namn="Samordningsförbundet Nytt").exists()
        assert Medlemskap.objects.count() == before

    def test_member_that_has_left_does_not_count(self, client_administrator):
        gone = KOMMUN | {"uppsagd": "2020-01-01", "intrade": "2010-01-01", "uttrade": "2023-01-01"}
        response = client_administrator.post(
            admin_url(Forbund, "add"),
            new_forbund_data(FK, AF, REGION, gone, bildad="2010-01-01"),
        )
        assert "saknas för: Kommun." in response.text

    def test_removing_last_kommun_is_refused_and_nothing_changes(
        self, client_administrator, forbund_a
    ):
        rows = [
            {
                "id": m.pk,
                "forbund": forbund_a.pk,
                "medlemstyp": m.medlemstyp,
                "kommun": m.kommun_id or "",
                "region": m.region_id or "",
                "intrade": m.intrade.isoformat(),
                **({"DELETE": "on"} if m.medlemstyp == Medlemstyp.KOMMUN else {}),
            }
            for m in forbund_a.medlemskap.all()
        ]
        data = {
            "organisationsnummer": forbund_a.organisationsnummer,
            "namn": "Nytt namn",
            "lan": forbund_a.lan,
            "bildad": forbund_a.bildad.isoformat(),
        } | medlemskap_rows(rows, initial=len(rows))
        response = client_administrator.post(admin_url(Forbund, "change", forbund_a.pk), data)
        assert response.status_code == 200
        assert "saknas för: Kommun." in response.text
        forbund_a.refresh_from_db()
        assert forbund_a.namn == "Samordningsförbundet A"
        assert forbund_a.medlemskap.filter(medlemstyp=Medlemstyp.KOMMUN).count() == 2

    def test_party_must_match_member_kind(self, client_administrator):
        response = client_administrator.post(
            admin_url(Forbund, "add"), new_forbund_data(FK | {"kommun": "0380"}, AF, REGION, KOMMUN)
        )
        assert response.status_code == 200
        assert "Ange kommun bara när medlemmen är en kommun." in response.text

    def test_notice_period_rule_from_the_model(self, client_administrator):
        early = KOMMUN | {"uppsagd": "2024-06-01", "uttrade": "2025-01-01"}
        response = client_administrator.post(
            admin_url(Forbund, "add"), new_forbund_data(FK, AF, REGION, KOMMUN, early)
        )
        assert response.status_code == 200
        assert "Uppsägningstiden är 3 år: utträde tidigast 2027-06-01." in response.text

    def test_single_membership_edit_warns_when_forbund_becomes_incomplete(
        self, client_administrator, forbund_a
    ):
        fk = forbund_a.medlemskap.get(medlemstyp=Medlemstyp.FORSAKRINGSKASSAN)
        response = client_administrator.post(
            admin_url(Medlemskap, "delete", fk.pk), {"post": "yes"}, follow=True
        )
        assert "Samordningsförbundet A saknar nu aktivt medlemskap för: Försäkringskassan." in (
            response.text
        )


class TestUppdrag:
    def test_creates_user_with_employer_and_uppdrag(self, client_administrator, forbund_a):
        data = {
            "username": "ny_coach",
            "usable_password": "true",
            "password1": "ett-annat-langt-losenord",
            "password2": "ett-annat-langt-losenord",
            "first_name": "Nya",
            "last_name": "Coachen",
            "email": "",
            "arbetsgivartyp": "kommun",
            "arbetsgivare": "Uppsala kommun",
            "uppdrag-TOTAL_FORMS": 1,
            "uppdrag-INITIAL_FORMS": 0,
            "uppdrag-0-roll": Roll.HANDLAGGARE,
            "uppdrag-0-forbund": forbund_a.pk,
        }
        response = client_administrator.post(admin_url(User, "add"), data)
        assert response.status_code == 302, response.context["errors"]
        user = User.objects.get(username="ny_coach")
        assert user.arbetsgivare == "Uppsala kommun"
        assert user.check_password("ett-annat-langt-losenord")
        assert [(u.roll, u.forbund) for u in user.uppdrag.all()] == [(Roll.HANDLAGGARE, forbund_a)]

    def test_forbund_role_needs_a_forbund(self, client_administrator, radet):
        response = client_administrator.post(
            admin_url(Uppdrag, "add"),
            {"user": radet.pk, "roll": Roll.HANDLAGGARE, "forbund": ""},
        )
        assert response.status_code == 200
        assert "Rollen gäller i ett förbund: välj vilket." in response.text


class TestWhoReachesTheAdmin:
    @pytest.mark.parametrize("who", ["client_admin_a", "client_radet"])
    def test_others_get_404(self, request, who, forbund_a):
        client = request.getfixturevalue(who)
        for url in (
            reverse("admin:index"),
            admin_url(Forbund, "changelist"),
            admin_url(Forbund, "change", forbund_a.pk),
            reverse("admin:login"),
        ):
            assert client.get(url).status_code == 404, url

    def test_staff_flag_alone_grants_nothing(self, client_handlaggare_a, handlaggare_a):
        handlaggare_a.is_staff = True
        handlaggare_a.save()
        assert client_handlaggare_a.get(reverse("admin:index")).status_code == 404

    @pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/admin/forbund/forbund/"])
    def test_anonymous_is_sent_to_our_login(self, client, path):
        response = client.get(path, follow=True)
        assert response.redirect_chain[-1][0] == f"{LOGIN}?next={path.replace('login/', '')}"
        assert response.templates[0].name == "registration/login.html"

    def test_administrator_without_second_factor_gets_nothing(self, client, administrator):
        """No enrolment with the password alone: the page that explains the activation link."""
        client.force_login(administrator)
        response = client.get(admin_url(Forbund, "changelist"))
        assert (
            response["Location"]
            == reverse("konto:ingen_app") + "?next=%2Fadmin%2Fforbund%2Fforbund%2F"
        )

    def test_administrator_with_unverified_device_must_verify(self, client, administrator):
        TOTPDevice.objects.create(user=administrator, name="Telefon", confirmed=True)
        client.force_login(administrator)
        response = client.get(reverse("admin:index"))
        assert response["Location"].startswith(reverse("konto:otp_verify"))

    def test_permission_itself_requires_verification(self, administrator):
        # Should the middleware ever be reordered, the admin still asks for the second factor.
        request = RequestFactory().get("/admin/")
        request.user = administrator
        request.user.is_verified = lambda: False
        with pytest.raises(Http404):
            admin.site.has_permission(request)

    def test_verified_administrator_at_admin_login_goes_to_index(self, client_administrator):
        response = client_administrator.get(reverse("admin:login"))
        assert response["Location"] == reverse("admin:index")

    def test_nav_link_leads_to_the_admin(self, client_administrator):
        response = client_administrator.get(reverse("start"))
        assert f'href="{reverse("admin:index")}"' in response.text


class TestQueries:
    """Admin pages run a fixed number of queries, whatever the number of rows."""

    @staticmethod
    def grow(n: int) -> None:
        kommuner = list(Kommun.objects.filter(lan=Lan.UPPSALA).values_list("kod", flat=True))
        for _ in range(n):
            forbund = full_forbund(kommuner=kommuner[:2])
            for medlemskap in forbund.medlemskap.all():
                MedlemsbidragFactory(medlemskap=medlemskap, ar=2020)
            UppdragFactory(forbund=forbund)
            ar = 2030 + Forbund.objects.count()
            Folkmangd.objects.create(kommun_id=kommuner[0], ar=ar, folkmangd=1000)

    @pytest.mark.parametrize(
        "model",
        [Forbund, Medlemskap, Medlemsbidrag, Uppdrag, User, Folkmangd],
    )
    def test_changelist(self, client_administrator, model):
        url = admin_url(model, "changelist")
        self.grow(2)
        few = query_count(client_administrator, url)
        self.grow(4)
        assert query_count(client_administrator, url) == few

    def test_forbund_change_form(self, client_administrator, forbund_a):
        url = admin_url(Forbund, "change", forbund_a.pk)
        few = query_count(client_administrator, url)
        for kod in ["0305", "0319", "0330", "0331", "0360"]:
            Medlemskap.objects.create(
                forbund=forbund_a,
                medlemstyp=Medlemstyp.KOMMUN,
                kommun_id=kod,
                intrade=forbund_a.bildad,
            )
        assert query_count(client_administrator, url) == few

    def test_medlemskap_change_form(self, client_administrator, forbund_a):
        medlemskap = forbund_a.medlemskap.get(medlemstyp=Medlemstyp.REGION)
        url = admin_url(Medlemskap, "change", medlemskap.pk)
        MedlemsbidragFactory(medlemskap=medlemskap, ar=2011)
        few = query_count(client_administrator, url)
        for ar in range(2012, 2018):
            MedlemsbidragFactory(medlemskap=medlemskap, ar=ar)
        assert query_count(client_administrator, url) == few

    def test_user_change_form(self, client_administrator, admin_a, forbund_b):
        url = admin_url(User, "change", admin_a.pk)
        few = query_count(client_administrator, url)
        UppdragFactory(user=admin_a, roll=Roll.FORBUNDSADMINISTRATOR, forbund=forbund_b)
        UppdragFactory(user=admin_a, roll=Roll.NATIONELLA_RADET, forbund=None)
        assert query_count(client_administrator, url) == few

    def test_kommun_change_form(self, client_administrator):
        kommun = Kommun.objects.get(kod="0380")
        url = admin_url(Kommun, "change", kommun.pk)
        few = query_count(client_administrator, url)
        for ar in range(2016, 2022):
            Folkmangd.objects.create(kommun=kommun, ar=ar, folkmangd=200_000)
        assert query_count(client_administrator, url) == few

    def test_medlemsbidrag_form_labels_memberships_with_their_forbund(
        self, client_administrator, forbund_a
    ):
        response = client_administrator.get(admin_url(Medlemsbidrag, "add"))
        assert "Samordningsförbundet A: Försäkringskassan (från 2010-01-01)" in response.text
        assert Region.objects.get(kod="03").namn in response.text
