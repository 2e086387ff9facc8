"""Every form of the project, fuzzed through its page: never a 500, never a partial save.

The URLs come from the URL resolver (tests/urlwalk.py), so a new view is fuzzed as soon as
it exists. For each URL an insider who reaches it (the administratör, förbund A's
förbundsadministratör, the insats's handläggare) opens the page; the names and options of
the fields in its POST forms are read from the HTML, and Hypothesis posts values for them
(the page's own options, empty values, numbers, dates, odd text and very long text).

Every answer must be below 500. When the answer is a form with errors (the error summary,
or status 400/422), no row of Finsam's tables may have changed. Each example runs in a
transaction that is rolled back, so all examples start from the same data.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import _verified_client
from ..urlwalk import build_world, walk_urls

pytestmark = pytest.mark.django_db

# Pages whose POST is not a data form: signing in/out (with its own tests and lockouts),
# and Django's admin (Django's own forms; its access is tested in test_admin.py).
SKIP_PREFIXES = ("konto:", "admin:", "admin/")
APPS = ("forbund", "insatser", "deltagare", "rapporter")
# Written by design on any request: the access log, and import files kept for preview.
NOT_COMPARED = {"atkomstlogg", "atkomst", "importfil"}
ERROR_SUMMARY = "Formuläret innehåller fel"
EXAMPLES = 12


class FormFields(HTMLParser):
    """Names of the fields of the page's POST forms, with the values offered for each."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._in_post = False
        self._select: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "form":
            self._in_post = (a.get("method") or "").lower() == "post" or "hx-post" in a
        if not self._in_post or not a.get("name") or a.get("name") == "csrfmiddlewaretoken":
            if tag == "option" and self._select and a.get("value") is not None:
                self.fields[self._select].append(a["value"])
            return
        name = a["name"]
        self.fields.setdefault(name, [])
        if tag == "select":
            self._select = name
        elif a.get("value"):
            self.fields[name].append(a["value"])

    def handle_endtag(self, tag) -> None:
        if tag == "select":
            self._select = None
        if tag == "form":
            self._in_post = False


def form_fields(html: str) -> dict[str, list[str]]:
    parser = FormFields()
    parser.feed(html)
    return parser.fields


odd_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1e9",
            "99999999999999999999",
            "2015-02-30",
            "2015-05-31",
            "31/12/2015",
            "'; DROP TABLE x; --",
            "<script>alert(1)</script>",
            "=SUM(A1)",
            "19900101-0017",
            "\x00",
            "ä" * 300,
        ]
    ),
)


def value_for(options: list[str]):
    if options:
        return st.one_of(st.sampled_from(options), odd_text)
    return odd_text


def snapshot() -> dict[str, list]:
    rows = {}
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.model_name in NOT_COMPARED:
                continue
            rows[model._meta.label] = sorted(map(repr, model.objects.values_list()))
    return rows


@pytest.fixture
def insiders(forbund_a, admin_a, insats_a, tilldelad_insats_a, administrator):
    world = build_world(forbund_a=forbund_a, admin_a=admin_a, insats_a=insats_a)
    clients = [
        _verified_client(administrator),
        _verified_client(admin_a),
        _verified_client(world.inne),
    ]
    return world, clients


def test_every_form_never_500_never_partial(insiders):
    world, clients = insiders
    fuzzed = []
    for key, url in walk_urls(world):
        if key.startswith(SKIP_PREFIXES):
            continue
        for client in clients:
            page = client.get(url)
            if page.status_code == 200 and not getattr(page, "streaming", False):
                fields = form_fields(page.content.decode(errors="replace"))
                if fields:
                    break
            elif page.status_code == 405:  # POST-only endpoints: fuzz the known data keys
                fields = {k: [str(v)] for k, v in world.post_data.get(key, {}).items()}
                fields = fields or {"datum": [], "kvinnor": [], "man": [], "okant": []}
                break
        else:
            continue
        fuzzed.append(key)
        _fuzz(client, url, fields)
    # The walk reached the project's forms (a guard against a walker that silently finds none).
    assert {"insatser:create", "forbund:bidrag_edit", "deltagare:create"} <= set(fuzzed), fuzzed


def _fuzz(client, url: str, fields: dict[str, list[str]]) -> None:
    data = st.fixed_dictionaries(
        {},
        optional={
            name: st.one_of(value_for(options), st.lists(value_for(options), max_size=3))
            for name, options in fields.items()
        },
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=data)
    def post(data):
        with transaction.atomic():
            before = snapshot()
            response = client.post(url, data)
            assert response.status_code < 500, (url, data)
            failed = response.status_code in (400, 422) or (
                response.status_code == 200
                and ERROR_SUMMARY in response.content.decode(errors="replace")
            )
            if failed:
                assert snapshot() == before, ("partial save", url, data)
            transaction.set_rollback(True)

    post()
