"""The report as a PDF (WeasyPrint): every number comes from the `Rapport` of
rapporter.tabeller, the same object the JSON and XLSX are written from."""

from __future__ import annotations

import base64
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from .renderers import KOLUMNRUBRIKER, UNDERTRYCKT
from .tabeller import Rapport, Tabell

FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"

# Key figures of the summary: (table, row, column, label).
NYCKELTAL = [
    ("T2", "person_deltaganden", "totalt", "Deltaganden med personuppgifter"),
    ("T2", "anonyma_deltaganden", "totalt", "Anonyma deltaganden"),
    ("T2", "volym", "totalt", "Deltagare i volyminsatser"),
    ("T7", "avslutade", "totalt", "Avslutade deltaganden"),
    ("T8", "arbete_eller_studier", "totalt", "Till arbete eller studier vid avslut"),
    ("T1", "totalt", "antal", "Insatser"),
    ("T13", "kostnader", "utfall", "Kostnader, utfall (kr)"),
]


def css_string(value: str) -> str:
    """`value` as the inside of a double-quoted CSS string in a <style> element.

    CSS escapes are a backslash, the code point in hex and a space (`\\2D `); JavaScript's
    `\\u002D` (Django's escapejs) is read by CSS as the letters `u002D`. Letters, digits and
    spaces stay as they are; everything else is escaped, so that no name can end the string,
    the rule or the <style> element.
    """
    return "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in value)


def siffra(value: Any) -> str:
    """Swedish number format: narrow no-break space between thousands, decimal comma."""
    if value is None:
        return UNDERTRYCKT
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    return f"{value:,.1f}".replace(",", "\u202f").replace(".", ",")


# Money on the chart axis: millions or thousands of kronor when the amounts are that large.
MONEY_UNITS = ((1_000_000, "mnkr"), (1_000, "tkr"))


def _tick(value: float, _position: int) -> str:
    return siffra(int(value)) if float(value).is_integer() else siffra(round(value, 1))


def _change(change: int | None) -> str:
    """A year-on-year change with its sign: +19, −72 (a real minus sign), 0; – if unknown."""
    if change is None:
        return "–"
    sign = "+" if change > 0 else "\u2212" if change < 0 else ""
    return sign + siffra(abs(change))


def _rows(tabell: Tabell) -> list[dict[str, Any]]:
    return [
        {"etikett": r["etikett"], "celler": [siffra(r[c]) for c in tabell.kolumner]}
        for r in tabell.rader
    ]


def _chart(kind: str, rapport: Rapport) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    plt.rcParams.update({"svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 9})
    if kind == "alder":
        t = rapport.tabeller["T3"]
        labels = [r["etikett"] for r in t.rader]
        series = {"Kvinnor": [r["kvinnor"] for r in t.rader], "Män": [r["man"] for r in t.rader]}
        title = "Deltaganden efter ålder vid start och kön"
    elif kind == "forsorjning":
        t = rapport.tabeller["T10"]
        rows = [r for r in t.rader if r["kod"] != "avslutade"]
        labels = [r["etikett"] for r in rows]
        series = {"Före": [r["fore"] for r in rows], "Efter": [r["efter"] for r in rows]}
        title = "Försörjning före och efter (avslutade deltaganden)"
    else:
        t = rapport.tabeller["T13"]
        rows = [
            r
            for r in t.rader
            if r["kod"] in ("kostnad_individ", "kostnad_struktur", "kostnad_administration")
        ]
        labels = [r["etikett"].replace("Kostnader för ", "").capitalize() for r in rows]
        series = {"Budget": [r["budget"] for r in rows], "Utfall": [r["utfall"] for r in rows]}
        title = "Budget och utfall (kr)"
    # A suppressed cell is drawn as nothing, never as a guessed value.
    series = {k: [v or 0 for v in vals] for k, vals in series.items()}
    if kind == "ekonomi":
        largest = max((v for vals in series.values() for v in vals), default=0)
        scale, unit = next(((s, u) for s, u in MONEY_UNITS if largest >= s), (1, "kr"))
        series = {k: [v / scale for v in vals] for k, vals in series.items()}
        title = f"Budget och utfall ({unit})"
    fig, ax = plt.subplots(figsize=(6.3, 2.6))
    width = 0.8 / len(series)
    for i, (name, values) in enumerate(series.items()):
        ax.barh(
            [y + i * width for y in range(len(labels))],
            values,
            height=width,
            label=name,
            color=["#004072", "#8fb3d9"][i % 2],
        )
    ax.set_yticks([y + width / 2 for y in range(len(labels))], labels)
    # Whole counts on the axis, in Swedish number format (no 1e7, no decimal point).
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=kind != "ekonomi"))
    ax.xaxis.set_major_formatter(FuncFormatter(_tick))
    ax.invert_yaxis()
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    # As an image, so WeasyPrint's SVG renderer (not its HTML CSS) reads matplotlib's styles.
    encoded = base64.b64encode(buffer.getvalue().encode()).decode()
    return f'<img class="chart" src="data:image/svg+xml;base64,{encoded}" alt="{title}">'


def render_pdf(rapport: Rapport, *, foregaende: Rapport | None = None) -> bytes:
    from weasyprint import HTML

    summary = []
    for tabell, rad, kolumn, label in NYCKELTAL:
        if tabell not in rapport.tabeller:
            continue
        now = rapport.tabeller[tabell].varde(rad, kolumn)
        before = foregaende.tabeller[tabell].varde(rad, kolumn) if foregaende else None
        change = now - before if isinstance(now, int) and isinstance(before, int) else None
        summary.append(
            {
                "label": label,
                "now": siffra(now),
                "before": siffra(before) if foregaende else "–",
                "change": _change(change),
            }
        )
    tables = [
        {
            "kod": kod,
            "rubrik": t.rubrik,
            "regel": t.regel,
            "kolumner": [KOLUMNRUBRIKER.get(c, c) for c in t.kolumner],
            "rader": _rows(t),
        }
        for kod, t in rapport.tabeller.items()
    ]
    katalog = None
    if rapport.insatskatalog:
        katalog = {
            "kolumner": [KOLUMNRUBRIKER.get(c, c) for c in rapport.insatskatalog.kolumner],
            "rader": _rows(rapport.insatskatalog),
        }
    html = render_to_string(
        "rapporter/pdf.html",
        {
            "rapport": rapport,
            "foregaende_ar": rapport.ar - 1,
            "omfattning": rapport.omfattning.label(),
            # Already escaped for CSS: HTML escaping would show `&amp;` in the footer.
            "omfattning_css": mark_safe(css_string(rapport.omfattning.label())),  # noqa: S308
            "datum": timezone.localtime(rapport.skapad),
            "summary": summary,
            "tables": tables,
            "katalog": katalog,
            "charts": {k: _chart(k, rapport) for k in ("alder", "forsorjning", "ekonomi")},
            "font_dir": FONT_DIR.as_uri(),
        },
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
