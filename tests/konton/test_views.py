"""Användare och behörigheter: the account pages (konton/views.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from forbund.choices import Roll
from forbund.models import Behorighetslogg, Uppdrag, User
from insatser.models import InsatsUppdrag

from ..conftest import _verified_client
from ..factories import InsatsFactory, UppdragFactory

pytestmark = pytest.mark.django_db

LIST = reverse("konton:list")
CREATE = reverse("konton:create")
LOGG = reverse("konton:logg")
ERRORS = "Formuläret innehåller fel"


def detail(user):
    return reverse("konton:detail", args=[user.pk])


def edit_url(uppdrag):
    return reverse("konton:uppdrag_edit", args=[uppdrag.user_id, uppdrag.pk])


def end_url(uppdrag):
    return reverse("konton:uppdrag_end", args=[uppdrag.user_id, uppdrag.pk])


def new_account(forbund, **extra):
    data = {
        "konto-first_name": "Nora",
        "konto-last_name": "Nyström",
        "konto-email": "nora@example.se",
        "konto-username": "nora",
        "konto-arbetsgivartyp": "kommun",
        "konto-arbetsgivare": "Uppsala kommun",
        "uppdrag-roll": Roll.HANDLAGGARE,
        "uppdrag-forbund": forbund.pk,
        "uppdrag-startdatum": timezone.localdate().isoformat(),
        "uppdrag-slutdatum": "",
    }
    data.update(extra)
    return data


@pytest.fixture
def client_radet_verified(radet):
    return _verified_client(radet)


# --- Who reaches the pages ---------------------------------------------------------------

OUTSIDERS = ["client_handlaggare_a", "client_radet"]


@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize("name", ["konton:list", "konton:logg", "konton:create"])
def test_roles_without_account_pages_get_404(request, outsider, name):
    client = request.getfixturevalue(outsider)
    assert client.get(reverse(name)).status_code == 404
    assert client.post(reverse(name)).status_code in (404, 405)


def test_forbundsadministrator_cannot_create_or_edit_accounts(client_admin_a, handlaggare_a):
    assert client_admin_a.get(CREATE).status_code == 404
    assert client_admin_a.get(reverse("konton:edit", args=[handlaggare_a.pk])).status_code == 404
    response = client_admin_a.post(reverse("konton:active", args=[handlaggare_a.pk]), {"aktiv": 0})
    assert response.status_code == 404
    assert User.objects.get(pk=handlaggare_a.pk).is_active


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("konton:list", "post"),
        ("konton:logg", "post"),
        ("konton:create", "put"),
        ("konton:detail", "post"),
        ("konton:edit", "put"),
        ("konton:active", "get"),
        ("konton:uppdrag_add", "put"),
    ],
)
def test_wrong_method(client_administrator, handlaggare_a, name, method):
    args = [handlaggare_a.pk] if name not in ("konton:list", "konton:logg", "konton:create") else []
    assert getattr(client_administrator, method)(reverse(name, args=args)).status_code == 405


def test_wrong_method_on_assignment_pages(client_administrator, handlaggare_a):
    uppdrag = handlaggare_a.uppdrag.get()
    assert client_administrator.put(edit_url(uppdrag)).status_code == 405
    assert client_administrator.get(end_url(uppdrag)).status_code == 405


# --- The list ----------------------------------------------------------------------------


def test_administrator_sees_every_account(client_administrator, admin_a, admin_b, handlaggare_a):
    response = client_administrator.get(LIST)
    assert response.status_code == 200
    for username in ("chef_a", "chef_b", "coach_a"):
        assert username in response.text
    assert "Nytt konto" in response.text


def test_forbundsadministrator_sees_who_has_access_to_what_in_the_own_forbund(
    client_admin_a, admin_b, tilldelad_insats_a, forbund_b
):
    both = UppdragFactory(roll=Roll.HANDLAGGARE, forbund=forbund_b, user__username="dubbel")
    UppdragFactory(roll=Roll.HANDLAGGARE, forbund=tilldelad_insats_a.forbund, user=both.user)
    response = client_admin_a.get(LIST)
    assert response.status_code == 200
    assert "coach_a" in response.text and tilldelad_insats_a.kod in response.text
    assert "chef_b" not in response.text
    # A user in both förbund: only the assignment in the own förbund is shown.
    assert "dubbel" in response.text
    assert "Samordningsförbundet B" not in response.text
    assert "Nytt konto" not in response.text


def test_search_and_status_filter(client_administrator, admin_a, handlaggare_a):
    handlaggare_a.is_active = False
    handlaggare_a.save()
    response = client_administrator.get(LIST, {"q": "coach"})
    assert "coach_a" in response.text and "chef_a" not in response.text
    response = client_administrator.get(LIST, {"status": "aktiva"})
    assert "chef_a" in response.text and "coach_a" not in response.text


def test_list_runs_a_fixed_number_of_queries(
    client_administrator, forbund_a, django_assert_max_num_queries
):
    for _ in range(15):
        uppdrag = UppdragFactory(roll=Roll.HANDLAGGARE, forbund=forbund_a)
        InsatsUppdrag.objects.create(insats=InsatsFactory(forbund=forbund_a), uppdrag=uppdrag)
    with django_assert_max_num_queries(12):
        assert client_administrator.get(LIST).status_code == 200


# --- Creating an account ------------------------------------------------------------------


def test_administrator_creates_a_handlaggare_with_an_assignment(
    client_administrator, administrator, forbund_a, mailbox
):
    response = client_administrator.post(CREATE, new_account(forbund_a))
    user = User.objects.get(username="nora")
    uppdrag = user.uppdrag.get()
    assert response.status_code == 302
    # A handläggare's next step is choosing the insatser.
    assert response["Location"] == edit_url(uppdrag)
    assert (uppdrag.roll, uppdrag.forbund, uppdrag.slutdatum) == (Roll.HANDLAGGARE, forbund_a, None)
    assert user.email == "nora@example.se" and user.arbetsgivare == "Uppsala kommun"
    # No password: it is chosen through the activation link.
    assert not user.has_usable_password()
    logged = list(Behorighetslogg.objects.filter(anvandare=user).order_by("pk"))
    assert [e.handelse for e in logged] == [
        "konto_skapat",
        "uppdrag_tillagt",
        "aktiveringslank_skickad",
    ]
    assert all(e.utford_av == administrator for e in logged)
    assert logged[1].forbund == forbund_a
    # The activation link went to the new user's address, through the SMTP server.
    [mail] = mailbox.messages
    assert mail["To"] == "nora@example.se"
    assert mail["Subject"] == "Aktivera ditt konto i Finsam"


def test_a_forbund_role_needs_a_forbund_and_nothing_is_saved(client_administrator, forbund_a):
    response = client_administrator.post(CREATE, new_account(forbund_a, **{"uppdrag-forbund": ""}))
    assert response.status_code == 200
    assert ERRORS in response.text
    assert "Välj i vilket förbund användaren har rollen." in response.text
    assert not User.objects.filter(username="nora").exists()
    assert not Behorighetslogg.objects.exists()


def test_email_must_be_unique(client_administrator, forbund_a, admin_a):
    admin_a.email = "Nora@Example.se"
    admin_a.save()
    response = client_administrator.post(CREATE, new_account(forbund_a))
    assert "Det finns redan ett konto med den e-postadressen." in response.text
    assert not User.objects.filter(username="nora").exists()


def test_an_end_before_the_start_is_refused(client_administrator, forbund_a):
    data = new_account(forbund_a, **{"uppdrag-slutdatum": "2000-01-01"})
    response = client_administrator.post(CREATE, data)
    assert "Slutdatumet kan inte ligga före startdatumet." in response.text
    assert not User.objects.filter(username="nora").exists()


def test_national_roles_get_no_forbund(client_administrator, forbund_a):
    data = new_account(forbund_a, **{"uppdrag-roll": Roll.NATIONELLA_RADET})
    response = client_administrator.post(CREATE, data)
    assert response.status_code == 302
    assert User.objects.get(username="nora").uppdrag.get().forbund is None


def test_an_empty_form_shows_every_error_at_once(client_administrator):
    response = client_administrator.post(CREATE, {})
    assert response.status_code == 200
    assert "Förnamn: Detta fält måste fyllas i." in response.text
    assert "Roll: Detta fält måste fyllas i." in response.text
    assert response.text.count("Formuläret innehåller fel") == 1
    assert not User.objects.filter(username="").exists()


def test_create_page_is_labelled_swedish(client_administrator):
    response = client_administrator.get(CREATE)
    assert response.status_code == 200
    assert '<option value="" selected>Välj roll</option>' in response.text
    for label in ("Förnamn", "E-postadress", "Användarnamn", "Roll", "Förbund", "Slutdatum"):
        assert label in response.text


# --- Editing and deactivating -------------------------------------------------------------


def test_edit_logs_old_and_new_values(client_administrator, handlaggare_a):
    handlaggare_a.email = "gammal@example.se"
    handlaggare_a.save()
    response = client_administrator.post(
        reverse("konton:edit", args=[handlaggare_a.pk]),
        {
            "username": "coach_a",
            "first_name": "Test",
            "last_name": handlaggare_a.last_name,
            "email": "ny@example.se",
            "arbetsgivartyp": "region",
            "arbetsgivare": "Region Uppsala",
        },
    )
    assert response.status_code == 302
    handlaggare_a.refresh_from_db()
    assert handlaggare_a.email == "ny@example.se"
    entry = Behorighetslogg.objects.get(anvandare=handlaggare_a)
    assert entry.handelse == "konto_andrat"
    assert "E-postadress: gammal@example.se → ny@example.se" in entry.beskrivning
    assert "Arbetsgivare (typ): – → Region" in entry.beskrivning


def test_deactivating_ends_access_at_once(
    client_administrator, handlaggare_a, client_handlaggare_a
):
    assert client_handlaggare_a.get(reverse("start")).status_code == 200
    response = client_administrator.post(
        reverse("konton:active", args=[handlaggare_a.pk]), {"aktiv": "0"}
    )
    assert response.status_code == 302
    assert not User.objects.get(pk=handlaggare_a.pk).is_active
    # The handläggare's existing session is signed out on its next request.
    response = client_handlaggare_a.get(reverse("start"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("konto:login"))
    assert Behorighetslogg.objects.get(anvandare=handlaggare_a).handelse == "konto_avaktiverat"
    client_administrator.post(reverse("konton:active", args=[handlaggare_a.pk]), {"aktiv": "1"})
    assert User.objects.get(pk=handlaggare_a.pk).is_active


def test_administrator_cannot_deactivate_the_own_account(client_administrator, administrator):
    response = client_administrator.post(
        reverse("konton:active", args=[administrator.pk]), {"aktiv": "0"}, follow=True
    )
    assert "Du kan inte avaktivera ditt eget konto." in response.text
    assert User.objects.get(pk=administrator.pk).is_active


# --- Assignments --------------------------------------------------------------------------


def test_forbundsadministrator_assigns_a_handlaggare_to_insatser(
    client_admin_a, admin_a, handlaggare_a, insats_a, client_handlaggare_a
):
    uppdrag = handlaggare_a.uppdrag.get()
    assert client_handlaggare_a.get(insats_a.get_absolute_url()).status_code == 404
    page = client_admin_a.get(edit_url(uppdrag))
    assert page.status_code == 200 and insats_a.namn in page.text
    response = client_admin_a.post(
        edit_url(uppdrag),
        {"startdatum": uppdrag.startdatum.isoformat(), "slutdatum": "", "insatser": [insats_a.pk]},
    )
    assert response.status_code == 302
    assert list(uppdrag.insatser.all()) == [insats_a]
    assert client_handlaggare_a.get(insats_a.get_absolute_url()).status_code == 200
    entry = Behorighetslogg.objects.get(anvandare=handlaggare_a)
    assert entry.handelse == "insatser_andrade" and entry.utford_av == admin_a
    assert f"Tillagd i {insats_a.kod}" in entry.beskrivning
    # Removing: the insats goes, and the log says so.
    client_admin_a.post(edit_url(uppdrag), {"startdatum": uppdrag.startdatum.isoformat()})
    assert not uppdrag.insatser.exists()
    assert (
        "Borttagen från"
        in Behorighetslogg.objects.filter(anvandare=handlaggare_a).first().beskrivning
    )


def test_insatser_of_another_forbund_are_refused(client_admin_a, handlaggare_a, insats_b):
    uppdrag = handlaggare_a.uppdrag.get()
    response = client_admin_a.post(
        edit_url(uppdrag), {"startdatum": uppdrag.startdatum.isoformat(), "insatser": [insats_b.pk]}
    )
    assert response.status_code == 200 and ERRORS in response.text
    assert not uppdrag.insatser.exists()


def test_forbundsadministrator_manages_only_handlaggare_of_the_own_forbund(
    client_admin_a, admin_a, admin_b, forbund_b
):
    own = admin_a.uppdrag.get()
    assert client_admin_a.get(edit_url(own)).status_code == 404
    assert client_admin_a.post(end_url(own)).status_code == 404
    other = UppdragFactory(roll=Roll.HANDLAGGARE, forbund=forbund_b)
    assert client_admin_a.get(edit_url(other)).status_code == 404
    assert client_admin_a.get(detail(other.user)).status_code == 404
    assert client_admin_a.get(detail(admin_b)).status_code == 404


def test_forbundsadministrator_adds_a_handlaggare_assignment(
    client_admin_a, admin_a, forbund_a, forbund_b
):
    # A user the förbundsadministratör sees: one with an assignment in the förbund.
    user = UppdragFactory(roll=Roll.FORBUNDSADMINISTRATOR, forbund=forbund_a).user
    url = reverse("konton:uppdrag_add", args=[user.pk])
    page = client_admin_a.get(url)
    assert page.status_code == 200
    assert "Samordningsförbundet B" not in page.text
    refused = client_admin_a.post(
        url,
        {"roll": Roll.ADMINISTRATOR, "startdatum": timezone.localdate().isoformat()},
    )
    assert refused.status_code == 200 and ERRORS in refused.text
    refused = client_admin_a.post(
        url,
        {"roll": Roll.HANDLAGGARE, "forbund": forbund_b.pk, "startdatum": "2026-01-01"},
    )
    assert refused.status_code == 200 and ERRORS in refused.text
    response = client_admin_a.post(
        url,
        {"roll": Roll.HANDLAGGARE, "forbund": forbund_a.pk, "startdatum": "2026-01-01"},
    )
    assert response.status_code == 302
    assert user.uppdrag.filter(roll=Roll.HANDLAGGARE, forbund=forbund_a).exists()
    assert not user.uppdrag.filter(roll=Roll.ADMINISTRATOR).exists()


def test_the_same_assignment_twice_is_refused(client_administrator, handlaggare_a, forbund_a):
    response = client_administrator.post(
        reverse("konton:uppdrag_add", args=[handlaggare_a.pk]),
        {"roll": Roll.HANDLAGGARE, "forbund": forbund_a.pk, "startdatum": "2026-01-01"},
    )
    assert "Användaren har redan det uppdraget." in response.text
    assert handlaggare_a.uppdrag.count() == 1


def test_ending_an_assignment_ends_access_at_once(
    client_admin_a, handlaggare_a, tilldelad_insats_a, client_handlaggare_a
):
    assert client_handlaggare_a.get(tilldelad_insats_a.get_absolute_url()).status_code == 200
    uppdrag = handlaggare_a.uppdrag.get()
    response = client_admin_a.post(end_url(uppdrag))
    assert response.status_code == 302
    uppdrag.refresh_from_db()
    assert uppdrag.slutdatum == timezone.localdate()
    assert client_handlaggare_a.get(tilldelad_insats_a.get_absolute_url()).status_code == 404
    assert Behorighetslogg.objects.get(anvandare=handlaggare_a).handelse == "uppdrag_avslutat"


@pytest.mark.parametrize(
    ("start", "slut", "active"),
    [
        (-10, None, True),
        (-10, 1, True),  # the last day is yesterday+1: today still counts
        (-10, 0, False),  # from the end date on, the assignment is over
        (1, None, False),  # not begun
        (0, None, True),
    ],
)
def test_an_assignment_ends_by_its_date(handlaggare_a, tilldelad_insats_a, start, slut, active):
    today = timezone.localdate()
    Uppdrag.objects.filter(user=handlaggare_a).update(
        startdatum=today + dt.timedelta(days=start),
        slutdatum=None if slut is None else today + dt.timedelta(days=slut),
    )
    client = _verified_client(User.objects.get(pk=handlaggare_a.pk))
    status = client.get(tilldelad_insats_a.get_absolute_url()).status_code
    assert status == (200 if active else 404)


def test_changing_the_period_is_logged(client_administrator, handlaggare_a):
    uppdrag = handlaggare_a.uppdrag.get()
    response = client_administrator.post(
        edit_url(uppdrag), {"startdatum": "2026-01-01", "slutdatum": "2026-12-31"}
    )
    assert response.status_code == 302
    entry = Behorighetslogg.objects.get(anvandare=handlaggare_a)
    assert entry.handelse == "uppdrag_andrat"
    assert "till 2026-12-31" in entry.beskrivning


# --- Detail and log -----------------------------------------------------------------------


def test_detail_shows_assignments_and_their_log(client_administrator, handlaggare_a, insats_a):
    client_administrator.post(
        edit_url(handlaggare_a.uppdrag.get()),
        {"startdatum": "2026-01-01", "insatser": [insats_a.pk]},
    )
    response = client_administrator.get(detail(handlaggare_a))
    assert response.status_code == 200
    assert "Handläggare i Samordningsförbundet A" in response.text
    assert insats_a.namn in response.text
    assert "Insatser ändrade" in response.text


def test_log_is_scoped_to_the_own_forbund(
    client_admin_a, client_administrator, handlaggare_a, admin_b, forbund_b
):
    other = UppdragFactory(roll=Roll.HANDLAGGARE, forbund=forbund_b, user__username="coach_b")
    client_administrator.post(end_url(other))
    client_administrator.post(end_url(handlaggare_a.uppdrag.get()))
    response = client_admin_a.get(LOGG)
    assert response.status_code == 200
    assert handlaggare_a.last_name in response.text
    assert other.user.last_name not in response.text
    everything = client_administrator.get(LOGG)
    assert other.user.last_name in everything.text


def test_navigation_offers_the_pages(client_admin_a, client_handlaggare_a):
    assert 'href="/anvandare/"' in client_admin_a.get(reverse("start")).text
    assert 'href="/anvandare/"' not in client_handlaggare_a.get(reverse("start")).text
