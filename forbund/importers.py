"""The `forbund` kind of spec/import.md: the förbund registry from a file.

A row creates the förbund and its memberships from `bildad`: Försäkringskassan,
Arbetsförmedlingen, the regions (default: the region of `lan`) and the kommuner.
Re-importing a förbund updates namn, län and bildad and adds memberships for
kommuner and regions that are new in the file. A member missing from the file is
left as it is: ending a membership has dates and a notice period (27 §) that a
registry file does not carry, so that is done in the application.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from finsam.lib.importing import (
    Column,
    Counts,
    ImportKind,
    Progress,
    RowErrors,
    parse_choice,
    register,
    split_multi,
)
from finsam.lib.tabular import Table

from . import access
from .choices import Lan, Medlemstyp
from .models import Forbund, Kommun, Medlemskap, Region
from .validators import normalize_organisationsnummer


@dataclass
class _Row:
    rad: int
    organisationsnummer: str
    namn: str
    lan: str
    bildad: Any
    kommuner: list[str]
    regioner: list[str]


def _code(value: str, width: int) -> str:
    """Codes typed into a spreadsheet lose their leading zeros (0380 → 380): restore them."""
    value = value.strip()
    return value.zfill(width) if value.isdigit() and len(value) < width else value


class ForbundKind(ImportKind):
    name = "forbund"
    label = "Förbundsregister"
    columns = [
        Column("organisationsnummer", True, "Tio siffror, med eller utan bindestreck."),
        Column("namn", True, "Förbundets namn."),
        Column("lan", True, "Länskod (01–25) eller länets namn."),
        Column("bildad", True, "Dag då förbundet bildades, ÅÅÅÅ-MM-DD."),
        Column("kommuner", True, "Medlemskommunernas kommunkoder (SCB), åtskilda med |."),
        Column("regioner", False, "Medlemsregionernas länskoder, åtskilda med |. Standard: länet."),
    ]
    key_columns = ["organisationsnummer"]

    def allowed(self, user: Any) -> bool:
        return user is None or access.is_administrator(user)

    def validate(self, table: Table, *, user: Any) -> tuple[list[_Row], list]:
        errors: list = []
        kommuner = set(Kommun.objects.values_list("kod", flat=True))
        regioner = set(Region.objects.values_list("kod", flat=True))
        prepared: list[_Row] = []
        for rad, row in table:
            check = RowErrors(rad, row, errors)
            orgnr = None
            if value := check.required("organisationsnummer"):
                try:
                    orgnr = normalize_organisationsnummer(value)
                except ValidationError as error:
                    check.add("organisationsnummer", error.messages[0])
            namn = check.required("namn")
            lan = None
            if value := check.required("lan"):
                lan = parse_choice(_code(value, 2), Lan)
                if lan is None:
                    check.add("lan", "Okänd länskod. Ange 01–25 eller länets namn.")
            bildad = check.date("bildad", required=True)
            member_kommuner = []
            if value := check.required("kommuner"):
                for part in split_multi(value):
                    kod = _code(part, 4)
                    if kod not in kommuner:
                        check.add("kommuner", f"Okänd kommunkod '{part}'.", varde=value)
                    elif kod not in member_kommuner:
                        member_kommuner.append(kod)
            member_regioner = []
            for part in split_multi(row.get("regioner", "")):
                region = parse_choice(_code(part, 2), Lan)
                if region is None or region not in regioner:
                    check.add("regioner", f"Okänd region '{part}'. Ange länskoden.")
                elif region not in member_regioner:
                    member_regioner.append(region)
            if not check.count and orgnr and namn and lan and bildad:
                prepared.append(
                    _Row(rad, orgnr, namn, lan, bildad, member_kommuner, member_regioner or [lan])
                )
        errors += self.duplicate_keys(table, _orgnr_key)
        return prepared, errors

    def describe(self, row: _Row) -> str:
        return f"{row.organisationsnummer} {row.namn}"

    def apply(self, prepared: list[_Row], *, progress: Progress | None = None) -> Counts:
        counts = Counts()
        existing = {
            f.organisationsnummer: f
            for f in Forbund.objects.filter(
                organisationsnummer__in=[r.organisationsnummer for r in prepared]
            )
        }
        members: dict[int, set[_Member]] = defaultdict(set)
        for forbund_id, typ, kommun_id, region_id in Medlemskap.objects.filter(
            forbund__in=existing.values()
        ).values_list("forbund_id", "medlemstyp", "kommun_id", "region_id"):
            members[forbund_id].add((typ, kommun_id, region_id))

        def have(row: _Row) -> set[_Member]:
            forbund = existing.get(row.organisationsnummer)
            return members[forbund.pk] if forbund else set()

        # Members missing from the file stay: after the import the förbund has both.
        done = self.upsert(
            prepared,
            existing,
            counts,
            key=lambda r: r.organisationsnummer,
            values=lambda r: {
                "namn": r.namn,
                "lan": r.lan,
                "bildad": r.bildad,
                "medlemmar": _labels(have(r) | _wanted(r)),
            },
            stored=lambda f: {
                "namn": f.namn,
                "lan": f.lan,
                "bildad": f.bildad,
                "medlemmar": _labels(members[f.pk]),
            },
            progress=progress,
        )
        Forbund.objects.bulk_update(done.changed_objects, ["namn", "lan", "bildad"])
        saved = [(f, r) for f, r, _ in done.changed]
        for row in done.new:
            forbund = Forbund.objects.create(
                organisationsnummer=row.organisationsnummer,
                namn=row.namn,
                lan=row.lan,
                bildad=row.bildad,
            )
            saved.append((forbund, row))
        Medlemskap.objects.bulk_create(
            Medlemskap(
                forbund=forbund,
                medlemstyp=typ,
                kommun_id=kommun_id,
                region_id=region_id,
                intrade=row.bildad,
            )
            for forbund, row in saved
            for typ, kommun_id, region_id in _wanted(row) - members[forbund.pk]
        )
        return counts

    def export_rows(self, *, forbund: Any = None, user: Any = None, reader: Any = None):
        queryset = Forbund.objects.all() if user is None else Forbund.objects.for_user(user)
        if forbund is not None:
            queryset = queryset.filter(pk=forbund.pk)
        current: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for forbund_id, kommun_id, region_id in (
            Medlemskap.objects.filter(forbund__in=queryset, uttrade__isnull=True)
            .filter(medlemstyp__in=[Medlemstyp.KOMMUN, Medlemstyp.REGION])
            .order_by("kommun_id", "region_id")
            .values_list("forbund_id", "kommun_id", "region_id")
        ):
            if kommun_id:
                current[forbund_id]["kommuner"].append(kommun_id)
            else:
                current[forbund_id]["regioner"].append(region_id)
        for f in queryset.order_by("organisationsnummer"):
            yield {
                "organisationsnummer": f.organisationsnummer,
                "namn": f.namn,
                "lan": f.lan,
                "bildad": f.bildad.isoformat(),
                "kommuner": "|".join(current[f.pk]["kommuner"]),
                "regioner": "|".join(current[f.pk]["regioner"]),
            }


_Member = tuple[str, str | None, str | None]  # (medlemstyp, kommun, region)


def _wanted(row: _Row) -> set[_Member]:
    return {
        (Medlemstyp.FORSAKRINGSKASSAN, None, None),
        (Medlemstyp.ARBETSFORMEDLINGEN, None, None),
        *((Medlemstyp.REGION, None, kod) for kod in row.regioner),
        *((Medlemstyp.KOMMUN, kod, None) for kod in row.kommuner),
    }


def _labels(members: set[_Member]) -> set[str]:
    return {
        f"{typ} {kommun or region}" if kommun or region else typ for typ, kommun, region in members
    }


def _orgnr_key(row: dict[str, str]) -> str | None:
    try:
        return normalize_organisationsnummer(row.get("organisationsnummer", ""))
    except ValidationError:
        return None


register(ForbundKind())
