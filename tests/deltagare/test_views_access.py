"""Every handläggare URL: only the insats's handläggare get in; everyone else gets 404 (and
never a personnummer), a wrong method 405, anonymous users the login page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from deltagare.models import Atkomstlogg
from forbund.choices import Roll
from tests.conftest import _verified_client
from tests.factories import UppdragFactory

from .handlaggare_data import NUMMER, assigned_insats, end, person_deltagande, registration_post

pytestmark = pytest.mark.django_db

PNR_FORMS = ("19900101-0017", "199001010017", "9001010017", "900101-0017")


@pytest.fixture
def coach(forbund_a):
    """The handläggare of the insats (handlaggare_a is not)."""
    return UppdragFactory(roll=Roll.HANDLAGGARE, forbund=forbund_a, user__username="coach_x").user


@pytest.fixture
def client_coach(coach):
    return _verified_client(coach)


@pytest.fixture
def urls(forbund_a, coach):
    insats = assigned_insats(forbund_a, coach)
    d = end(person_deltagande(insats, coach))
    base = [forbund_a.organisationsnummer, insats.kod]
    one = [*base, d.public_id]
    return [
        ("deltagare:list", base, {"GET"}),
        ("deltagare:sok", base, {"POST"}),
        ("deltagare:create", base, {"GET", "POST"}),
        ("deltagare:pnr_check", base, {"POST"}),
        ("deltagare:create_anonym", base, {"GET", "POST"}),
        ("deltagare:detail", one, {"GET"}),
        ("deltagare:avsluta", one, {"GET", "POST"}),
        ("deltagare:startprofil", one, {"GET", "POST"}),
        ("deltagare:uppfoljning", [*one, 90], {"GET", "POST"}),
        ("deltagare:aterkalla", one, {"GET", "POST"}),
    ]


def _call(client, method: str, url: str):
    data = {"personnummer": NUMMER, "kon": "man", "startdatum": "2016-01-01"}
    return getattr(client, method.lower())(url, data if method == "POST" else None)


def _walk(urls):
    for name, args, methods in urls:
        url = reverse(name, args=args)
        for method in sorted(methods):
            yield name, url, method


def test_the_insats_handlaggare_reaches_every_page(client_coach, urls):
    for name, url, method in _walk(urls):
        response = _call(client_coach, method, url)
        assert response.status_code in (200, 302), (name, method)


@pytest.fixture
def client_handlaggare_b(forbund_b):
    user = UppdragFactory(roll=Roll.HANDLAGGARE, forbund=forbund_b, user__username="coach_b").user
    assigned_insats(forbund_b, user, kod="IND-1")  # same kod in another förbund
    return _verified_client(user)


@pytest.mark.parametrize(
    "who",
    [
        "client_handlaggare_a",  # a handläggare of the förbund, outside the insats
        "client_handlaggare_b",  # another förbund's handläggare
        "client_admin_a",  # the förbundsadministratör: pseudonymised pages only (h2)
        "client_admin_b",
        "client_radet",
        "client_administrator",
    ],
)
def test_everyone_else_gets_404_and_no_number(request, urls, who):
    client = request.getfixturevalue(who)
    for name, url, method in _walk(urls):
        response = _call(client, method, url)
        assert response.status_code == 404, (who, name, method)
        html = response.content.decode()
        for form in PNR_FORMS:
            assert form not in html
    assert not Atkomstlogg.objects.exists()


def test_a_forbundsadministrator_start_page_has_no_number(client_admin_a, urls):
    html = client_admin_a.get(reverse("start")).content.decode()
    for form in PNR_FORMS:
        assert form not in html


def test_pages_with_personal_data_are_not_cached(client_coach, urls):
    for name, url, method in _walk(urls):
        response = _call(client_coach, method, url)
        if response.status_code == 200:
            assert "no-store" in response["Cache-Control"], (name, method)


def test_wrong_method_is_405(client_coach, urls):
    for name, args, methods in urls:
        url = reverse(name, args=args)
        for method in {"GET", "POST", "PUT", "DELETE", "PATCH"} - methods:
            response = getattr(client_coach, method.lower())(url)
            assert response.status_code == 405, (name, method)


def test_anonymous_users_are_sent_to_login(client, urls):
    for name, url, method in _walk(urls):
        response = _call(client, method, url)
        assert response.status_code == 302, (name, method)
        assert "/konto/logga-in/" in response.url


def test_a_volume_insats_has_no_participant_pages(client_handlaggare_a, tilldelad_insats_a):
    args = [tilldelad_insats_a.forbund.organisationsnummer, tilldelad_insats_a.kod]
    assert client_handlaggare_a.get(reverse("deltagare:list", args=args)).status_code == 404
    assert client_handlaggare_a.get(reverse("deltagare:create", args=args)).status_code == 404


def test_insats_page_links_the_participant_list_for_its_handlaggare(
    client_coach, client_admin_a, forbund_a, coach
):
    insats = assigned_insats(forbund_a, coach, kod="IND-9")
    list_url = reverse("deltagare:list", args=[forbund_a.organisationsnummer, "IND-9"])
    assert list_url in client_coach.get(insats.get_absolute_url()).content.decode()
    assert list_url not in client_admin_a.get(insats.get_absolute_url()).content.decode()


# --- Across insatser (issue 11, item 3) -------------------------------------------------
# The person NUMMER takes part in insats IND-B, whose handläggare is someone else. The
# coach works in IND-1 of the same förbund: nothing of IND-B may reach them, whatever
# they do with the number.

HEMLIG = "Hemlig insats B"


@pytest.fixture
def elsewhere(forbund_a):
    """The person's deltagande in IND-B: ended, followed up, viewed by its handläggare."""
    from deltagare import services

    other = UppdragFactory(roll=Roll.HANDLAGGARE, forbund=forbund_a, user__username="annan").user
    insats_b = assigned_insats(forbund_a, other, kod="IND-B", namn=HEMLIG)
    d = end(
        person_deltagande(
            insats_b,
            other,
            samtycke_datum=dt.date(2015, 1, 20),
            startdatum=dt.date(2015, 2, 2),
        ),
        avslutsorsak="flytt",
    )
    services.record_uppfoljning(
        deltagande=d,
        matpunkt=90,
        datum=dt.date(2016, 1, 5),
        sysselsattning=["arbete"],
        forsorjning=["ingen_offentlig"],
    )
    services.log_access(
        user=other, person=d.person, deltagande=d, sida="/x/", anledning="Samtal om IND-B"
    )
    return d


@pytest.fixture
def coach_insats(forbund_a, coach):
    return assigned_insats(forbund_a, coach)


def _check(client, insats, nummer=NUMMER):
    url = reverse("deltagare:pnr_check", args=[insats.forbund.organisationsnummer, insats.kod])
    return client.post(url, {"personnummer": nummer}, headers={"HX-Request": "true"})


def _secrets_of(d) -> list[str]:
    return [
        HEMLIG,
        "IND-B",
        str(d.public_id),
        "2015-01-20",
        "2015-02-02",
        "2016-01-05",
        "Samtal om",
    ]


def test_the_check_says_nothing_of_deltaganden_in_other_insatser(
    client_coach, coach_insats, elsewhere
):
    known = _check(client_coach, coach_insats)
    unknown = _check(client_coach, coach_insats, "19700101-0011")  # a man, as NUMMER
    assert known.context["status"] == unknown.context["status"] == "giltigt"
    assert known.content == unknown.content
    for secret in [*_secrets_of(elsewhere), "finns redan", "andra insatser"]:
        assert secret not in known.text
    assert not Atkomstlogg.objects.filter(user__username="coach_x").exists()


def test_the_check_lists_the_deltaganden_in_the_handlaggares_own_insatser(
    client_coach, coach, coach_insats, elsewhere, forbund_a
):
    own = assigned_insats(forbund_a, coach, kod="IND-2", namn="Egen tidigare insats")
    earlier = end(person_deltagande(own, coach, startdatum=dt.date(2015, 4, 1)))
    response = _check(client_coach, coach_insats)
    assert response.context["status"] == "kand"
    assert response.context["tidigare"] == [earlier]
    assert "Egen tidigare insats" in response.text
    for secret in _secrets_of(elsewhere):
        assert secret not in response.text
    assert Atkomstlogg.objects.filter(user=coach, personer=earlier.person).count() == 1


def test_the_check_is_limited_per_user_and_registration_still_works(
    client_coach, coach_insats, client_handlaggare_a, handlaggare_a, forbund_a
):
    from deltagare.views import PNR_CHECK_RATES

    per_minute = int(PNR_CHECK_RATES[0].split("/")[0])
    answers = [_check(client_coach, coach_insats).context["status"] for _ in range(per_minute)]
    assert answers == ["giltigt"] * per_minute
    limited = _check(client_coach, coach_insats)
    assert limited.status_code == 200 and limited.context["status"] == "begransad"
    assert "kontrollerat många nummer på kort tid" in limited.text
    assert "900101" not in limited.text and "2015" not in limited.text
    # Another user has limits of their own.
    own = assigned_insats(forbund_a, handlaggare_a, kod="IND-H")
    assert _check(client_handlaggare_a, own).context["status"] == "giltigt"
    # The limit is on the check, never on registering.
    _register_here(client_coach, coach_insats)


def _register_here(client, insats):
    url = reverse("deltagare:create", args=[insats.forbund.organisationsnummer, insats.kod])
    response = client.post(url, registration_post())
    assert response.status_code == 302, response.context["form"].errors
    return insats.deltaganden.get()


def test_after_registering_the_number_the_extract_shows_only_the_own_insats(
    client_coach, coach_insats, elsewhere
):
    mine = _register_here(client_coach, coach_insats)
    detail = client_coach.get(
        reverse(
            "deltagare:detail",
            args=[coach_insats.forbund.organisationsnummer, "IND-1", mine.public_id],
        )
    )
    response = client_coach.post("/registerutdrag/", {"personnummer": NUMMER})
    assert response.status_code == 200
    text = response.text
    assert "Vägen till arbete" in text and "2016-01-04" in text
    assert "Utdrag ur dina insatser" in text
    for secret in [*_secrets_of(elsewhere), "Flytt", "annan"]:
        assert secret not in text, secret
        assert secret not in detail.text, secret


def test_the_full_extract_is_taken_by_the_personuppgiftsansvarig_and_logged(
    coach_insats, elsewhere, forbund_a, forbund_b, client_coach
):
    _register_here(client_coach, coach_insats)
    pua = UppdragFactory(roll=Roll.PERSONUPPGIFTSANSVARIG, forbund=forbund_a).user
    client = _verified_client(pua)
    assert "fullständigt registerutdrag" in client.get(reverse("start")).text
    response = client.post("/registerutdrag/", {"personnummer": NUMMER})
    assert response.status_code == 200
    text = response.text
    assert "Registerutdrag" in text and "Utdrag ur dina insatser" not in text
    assert "19900101-0017" in text and "Vägen till arbete" in text
    assert HEMLIG in text and "Flytt" in text and "Samtal om IND-B" in text
    assert "2016-01-05" in text  # the follow-up in IND-B
    assert (
        Atkomstlogg.objects.filter(
            user=pua, personer=elsewhere.person, anledning="Registerutdrag (fullständigt)"
        ).count()
        == 1
    )
    # Another förbund's personuppgiftsansvarig finds nobody; roles without the
    # capability get 404.
    other = _verified_client(
        UppdragFactory(roll=Roll.PERSONUPPGIFTSANSVARIG, forbund=forbund_b).user
    )
    refused = other.post("/registerutdrag/", {"personnummer": NUMMER})
    assert "finns inte" in refused.text and HEMLIG not in refused.text
    # The capability reaches personal data nowhere else.
    url = reverse(
        "deltagare:detail", args=[forbund_a.organisationsnummer, "IND-B", elsewhere.public_id]
    )
    assert client.get(url).status_code == 404
    assert (
        client.get(
            reverse("deltagare_forbund:list", args=[forbund_a.organisationsnummer])
        ).status_code
        == 404
    )


def test_withdrawing_consent_leaves_other_insatser_alone(client_coach, coach_insats, elsewhere):
    from deltagare.models import Person, Samtycke

    mine = _register_here(client_coach, coach_insats)
    url = reverse(
        "deltagare:aterkalla",
        args=[coach_insats.forbund.organisationsnummer, "IND-1", mine.public_id],
    )
    page = client_coach.get(url)
    assert "Har personen deltagit i andra insatser påverkas de inte" in page.text
    assert [key for key, _ in page.context["form"].fields["deltaganden"].choices] == [
        str(mine.public_id)
    ]
    for secret in _secrets_of(elsewhere):
        assert secret not in page.text
    response = client_coach.post(url, {"datum": "2016-02-01", "deltaganden": [str(mine.public_id)]})
    assert response.status_code == 302
    mine.refresh_from_db()
    elsewhere.refresh_from_db()
    assert mine.person is None and mine.registreringsform == "anonym"
    assert elsewhere.person is not None and elsewhere.registreringsform == "person"
    assert elsewhere.uppfoljningar.count() == 1 and elsewhere.avslutsorsak == "flytt"
    person = Person.objects.get()
    assert person.pnr_krypterat and person.raderad is None
    consents = dict(Samtycke.objects.values_list("insats__kod", "aterkallat"))
    assert consents == {"IND-1": dt.date(2016, 2, 1), "IND-B": None}


def test_withdrawing_consent_asks_which_deltaganden_it_covers(
    client_coach, coach, coach_insats, elsewhere, forbund_a
):
    own = assigned_insats(forbund_a, coach, kod="IND-2", namn="Egen tidigare insats")
    earlier = end(person_deltagande(own, coach, startdatum=dt.date(2015, 4, 1)))
    mine = _register_here(client_coach, coach_insats)
    url = reverse(
        "deltagare:aterkalla", args=[forbund_a.organisationsnummer, "IND-1", mine.public_id]
    )
    page = client_coach.get(url)
    choices = dict(page.context["form"].fields["deltaganden"].choices)
    assert set(choices) == {str(mine.public_id), str(earlier.public_id)}
    assert page.context["form"]["deltaganden"].initial == [str(mine.public_id)]
    # A deltagande of another insats cannot be slipped in.
    refused = client_coach.post(
        url, {"datum": "2016-02-01", "deltaganden": [str(elsewhere.public_id)]}
    )
    assert refused.status_code == 200 and "Välj bland deltagandena" in refused.text
    assert not refused.context["form"].is_valid()
    none = client_coach.post(url, {"datum": "2016-02-01"})
    assert "Välj vilka deltaganden återkallelsen gäller" in none.text
    elsewhere.refresh_from_db()
    assert elsewhere.person is not None
    # Only the chosen one turns anonymous; the page says the other keeps its data.
    response = client_coach.post(
        url, {"datum": "2016-02-01", "deltaganden": [str(mine.public_id)]}, follow=True
    )
    assert "1 övriga deltagande i dina insatser har kvar sina personuppgifter" in response.text
    mine.refresh_from_db()
    earlier.refresh_from_db()
    assert mine.person is None and earlier.person is not None
