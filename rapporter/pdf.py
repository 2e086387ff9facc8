"""The report as a PDF (WeasyPrint): every number comes from the `Rapport` of
rapporter.tabeller, the same object the JSON and XLSX are written from."""

from __future__ import annotations

import atexit
import base64
import datetime as dt
import functools
import gc
import io
import math
import os
import threading
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from .presentation import (
    UNDERTRYCKT,
    UNDERTRYCKT_FORKLARING,
    Bestallning,
    layout,
    procent,
    value,
)
from .rapport import Rapport, Tabell, promille

if TYPE_CHECKING:
    from .status import Uppgiftsstatus

FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
# The report's one font family: DejaVu Sans cut down to the characters a report can need
# (scripts/subset_fonts.py), so that WeasyPrint's subsetting of it for each PDF is cheap.
FONT_FACES = f"""
@font-face {{ font-family: "Finsam Sans"; src: url("{FONT_DIR.as_uri()}/FinsamSans.ttf"); }}
@font-face {{ font-family: "Finsam Sans"; font-weight: bold;
  src: url("{FONT_DIR.as_uri()}/FinsamSans-Bold.ttf"); }}"""
# Tables wider than portrait A4: set on landscape pages.
LANDSKAP = {"T17", "T18"}
# The key figures of the summary table: T19's rows, the year and the year before.
NYCKELTAL = [
    "person_deltaganden",
    "person_individer",
    "anonyma_deltaganden",
    "volym",
    "avslutade",
    "insatser_individ",
    "insatser_struktur",
    "kostnader_utfall",
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


def cell_text(t: Tabell, row: dict[str, Any], column: Any) -> str:
    """A cell as the PDF prints it: Swedish numbers, whole percent for a share."""
    cell = value(t, row, column)
    if cell is None:
        return ""
    if column.kind == "share" and isinstance(cell, int):
        return siffra(procent(cell))
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return siffra(cell)


def _cell(t: Tabell, row: dict[str, Any], column: Any) -> tuple[str, str]:
    """The text and the class of a cell: text (codes, names, labels) is set left."""
    cell = value(t, row, column)
    numeric = cell is None or cell in (UNDERTRYCKT, "–") or isinstance(cell, int | float)
    kind = column.kind if numeric or column.kind != "value" else "text"
    return cell_text(t, row, column), kind


# The tables' column widths. WeasyPrint's automatic table layout measures every cell's
# narrowest and widest setting before it sets the table (a fifth of a report's time); the
# tables are set with the fixed layout instead, in widths measured here the same way: a
# number never wraps, a header or text wraps between words and at the Swedish hyphenation
# points, and what room is left goes to the columns in proportion to their widest text.
# The sizes are the stylesheet's (templates/rapporter/pdf.html), by kind of table.
MM = 72 / 25.4  # points in a millimetre


@dataclass(frozen=True)
class Tabellmatt:
    bredd: float  # the page's text width, mm
    text: float  # cell text size, pt
    rubrik: float  # header size (bold), pt
    utfyllnad: float  # a cell's padding, left plus right, mm
    minsta: dict[str, float]  # the narrowest a column of a kind may be, mm


PORTRAIT, LANDSCAPE = 210 - 2 * 18, 297 - 2 * 12
VANLIG = Tabellmatt(PORTRAIT, 9, 7.5, 4, {})
BRED = Tabellmatt(PORTRAIT, 6.5, 7.5, 1.6, {"kod": 21, "etikett": 38})
LANDSKAPSMATT = {
    "T18": Tabellmatt(LANDSCAPE, 6, 6, 1.6, {"etikett": 34}),
    "": Tabellmatt(LANDSCAPE, 7, 6, 1.6, {"etikett": 34}),
}


@functools.cache
def _advances(bold: bool) -> dict[str, float]:
    """Each character's advance in the report's font, in em."""
    from fontTools.ttLib import TTFont

    font = TTFont(FONT_DIR / ("FinsamSans-Bold.ttf" if bold else "FinsamSans.ttf"))
    upem = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    return {chr(c): metrics[g][0] / upem for c, g in font.getBestCmap().items()}


@functools.cache
def _hyphenator() -> Any:
    import pyphen

    return pyphen.Pyphen(lang="sv", left=2, right=2)


def _text_width(text: str, size: float, bold: bool = False) -> float:
    """`text` on one line, in mm (a character outside the font counts as an em)."""
    advances = _advances(bold)
    return sum(advances.get(c, 1.0) for c in text) * size / MM


def _narrowest(text: str, size: float, bold: bool) -> float:
    """The widest piece `text` cannot be broken below: a word, or with hyphenation a
    syllable run and its hyphen (WeasyPrint breaks words of five letters or more)."""
    pieces = []
    for word in text.split():
        parts = _hyphenator().inserted(word, "\0").split("\0") if len(word) >= 5 else [word]
        pieces += [p + "-" for p in parts[:-1]] + parts[-1:]
    return max((_text_width(p, size, bold) for p in pieces), default=0.0)


def column_widths(
    matt: Tabellmatt, headers: list[tuple[str, str]], rows: list[list[tuple[str, str]]]
) -> list[float]:
    """The columns' widths in percent of the table's (the page's text width)."""
    least, most = [], []
    for i, (header, kind) in enumerate(headers):
        low = _narrowest(header, matt.rubrik, True)
        high = _text_width(header, matt.rubrik, True)
        for row in rows:
            text, cell_kind = row[i]
            if cell_kind in ("value", "share"):  # white-space: nowrap
                low = max(low, _text_width(text, matt.text))
            else:
                low = max(low, _narrowest(text, matt.text, False))
            high = max(high, _text_width(text, matt.text))
        low = max(low + matt.utfyllnad, matt.minsta.get(kind, 0.0))
        # 3 % for the kerning and rounding the sum of advances leaves out
        least.append(low * 1.03)
        most.append(max(high + matt.utfyllnad, low) * 1.03)
    room = matt.bredd
    if sum(most) <= room:
        widths = [m * room / sum(most) for m in most]
    elif sum(least) < room:
        spare = (room - sum(least)) / sum(m - n for m, n in zip(most, least, strict=True))
        widths = [n + (m - n) * spare for m, n in zip(most, least, strict=True)]
    else:  # too narrow even so: as narrow as it goes, in proportion
        widths = [n * room / sum(least) for n in least]
    return [round(w * 100 / room, 2) for w in widths]


def _table(kod: str, t: Tabell) -> dict[str, Any]:
    columns = layout(kod, t)
    rows = [[_cell(t, r, c) for c in columns] for r in t.rader]
    # A header stands over its cells: set left where they are all text (T18's Nivå, Typ).
    kinds: dict[int, set[str]] = {}
    for row in rows:
        for i, (shown, kind) in enumerate(row):
            if shown:
                kinds.setdefault(i, set()).add(kind)
    text = {i for i, found in kinds.items() if found == {"text"}}
    headers = [(c.rubrik, "text" if i in text else c.kind) for i, c in enumerate(columns)]
    landskap, bred = kod in LANDSKAP, len(columns) > 9
    matt = LANDSKAPSMATT.get(kod, LANDSKAPSMATT[""]) if landskap else BRED if bred else VANLIG
    return {
        "kod": kod,
        "rubrik": t.rubrik,
        "regel": t.regel,
        "kolumner": headers,
        "bredder": column_widths(matt, headers, rows),
        "rader": rows,
        "landskap": landskap,
        "bred": bred,
        "undertryckt": bool(t.undertryckta or t.andel_undertryckta),
    }


def _chart(kind: str, rapport: Rapport) -> str | None:
    import matplotlib.pyplot as plt

    fig, title = chart_figure(kind, rapport)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    # As an image, so WeasyPrint's SVG renderer (not its HTML CSS) reads matplotlib's styles.
    # The chart's text in the document's own font (the same DejaVu Sans, from @font-face),
    # so that the PDF embeds and subsets one regular font, not two.
    svg = buffer.getvalue().replace("font-family: 'DejaVu Sans'", "font-family: 'Finsam Sans'")
    encoded = base64.b64encode(svg.encode()).decode()
    return f'<img class="chart" src="data:image/svg+xml;base64,{encoded}" alt="{title}">'


def chart_figure(kind: str, rapport: Rapport) -> tuple[Any, str]:
    """A chart of the report ("alder", "forsorjning" or "ekonomi") as a matplotlib figure,
    and its title."""
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
    # A suppressed cell is a gap marked "..", never a bar of a guessed value (or of 0).
    hidden = [
        (i, j) for i, vals in enumerate(series.values()) for j, v in enumerate(vals) if v is None
    ]
    series = {k: [math.nan if v is None else v for v in vals] for k, vals in series.items()}
    if kind == "ekonomi":
        largest = max((v for vals in series.values() for v in vals if v == v), default=0)
        scale, unit = next(((s, u) for s, u in MONEY_UNITS if largest >= s), (1, "kr"))
        series = {k: [v / scale for v in vals] for k, vals in series.items()}
        title = f"Budget och utfall ({unit})"
    fig, ax = plt.subplots(figsize=(6.3, 2.9 if hidden else 2.6))
    width = 0.8 / len(series)
    for i, (name, values) in enumerate(series.items()):
        ax.barh(
            [y + i * width for y in range(len(labels))],
            values,
            height=width,
            label=name,
            color=["#004072", "#8fb3d9"][i % 2],
        )
    for i, j in hidden:
        ax.text(0, j + i * width, f" {UNDERTRYCKT}", va="center", ha="left", fontsize=8)
    ax.set_yticks([y + width / 2 for y in range(len(labels))], labels)
    # Whole counts on the axis, in Swedish number format (no 1e7, no decimal point).
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=kind != "ekonomi"))
    ax.xaxis.set_major_formatter(FuncFormatter(_tick))
    ax.invert_yaxis()
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    if hidden:
        fig.text(0.01, 0.01, UNDERTRYCKT_FORKLARING, fontsize=7, color="#555555")
    _margins(fig, ax, labels, bool(hidden))
    return fig, title


# A chart's margins, in points, from the widths of its labels in the report's font (the
# same DejaVu Sans matplotlib draws with), where `Figure.tight_layout` would measure them by
# drawing the chart once more (about half a chart's time): room for the tick labels (9 pt)
# and ticks on the left and below, for the title (10 pt) above, for the last tick label's
# half on the right, and an edge of a font size around. (matplotlib sets the labels up to 4 %
# wider than their advances add up to.)
_KANT, _TICK, _RAD, _LABEL = 9.7, 7.0, 1.17, 1.04


def _margins(fig: Any, ax: Any, labels: list[str], hidden: bool) -> None:
    width, height = (72 * x for x in fig.get_size_inches())
    ax.autoscale_view()
    ticks = [_tick(x, 0) for x in ax.get_xticks()]
    widest = max((_text_width(t, 9) for t in ticks), default=0.0) * MM
    left = _KANT + _TICK + max((_text_width(t, 9) for t in labels), default=0.0) * MM * _LABEL
    bottom = _KANT + _TICK + 9 * _RAD + (0.07 * height if hidden else 0)
    top = _KANT + 6 + 10
    right = _KANT + widest / 2
    fig.subplots_adjust(
        left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height
    )


# WeasyPrint's font configuration (the @font-face fonts loaded into Fontconfig and Pango)
# and its URL fetcher (whose HTTPS handler loads the system's certificates), made once per
# process instead of once per PDF: by process id, because a forked process (a worker's
# child) must make its own, and never dropped, because dropping a FontConfiguration deletes
# its folder of font files, which the process it was inherited from still reads. Pango is
# not thread-safe, so one PDF at a time per process uses them.
_WEASYPRINT: dict[int, tuple[Any, Any]] = {}
_WEASYPRINT_LOCK = threading.Lock()

# A small document through the same fonts, hyphenation and SVG reader as the report.
WARM_UP_HTML = """<!doctype html><html lang="sv"><head><meta charset="utf-8"><style>
{font_faces}
body {{ font-family: "Finsam Sans"; font-size: 9pt; }} td {{ width: 12mm; hyphens: auto; }}
</style></head><body><h2>Återrapportering</h2><table><tr><td>Arbetsmarknadsutbildning</td>
<td>1\u202f234</td></tr></table>{chart}</body></html>"""


def _weasyprint_resources() -> tuple[Any, Any]:
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    pid = os.getpid()
    if pid not in _WEASYPRINT:
        # The report reads only its own fonts (file:) and its charts (data:).
        fetcher = URLFetcher(allowed_protocols={"file", "data"})
        _WEASYPRINT[pid] = (FontConfiguration(), fetcher)
    return _WEASYPRINT[pid]


def _write_pdf(html: str) -> bytes:
    from weasyprint import HTML

    with _WEASYPRINT_LOCK:
        font_config, url_fetcher = _weasyprint_resources()
        document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=url_fetcher)
        return document.write_pdf(font_config=font_config)


def warm_up() -> None:
    """Load once per process what every PDF needs: WeasyPrint, matplotlib with its font
    cache, the Swedish hyphenation dictionary, and the fonts. The worker calls it when it
    starts (finsam.celery), before its processes are forked, and again in each process,
    so that no report a user waits for pays for it.

    Then everything loaded so far is frozen out of the garbage collector (gc.freeze, as
    Python's documentation advises before a fork): the collections during a PDF, which
    makes some hundred thousand objects, no longer walk the process's long-lived ones.
    The förbund PDF took 0.91 of the time (median of 8 interleaved pairs, bench data).
    They are unfrozen at exit, so that they are torn down while their modules still are
    there (a frozen FontConfiguration's __del__ failed at interpreter shutdown)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.barh([0], [1])
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    chart = base64.b64encode(buffer.getvalue().encode()).decode()
    _write_pdf(
        WARM_UP_HTML.format(
            font_faces=FONT_FACES,
            chart=f'<img src="data:image/svg+xml;base64,{chart}" alt="">',
        )
    )
    gc.collect()
    gc.freeze()
    atexit.unregister(gc.unfreeze)  # once per process, however often warmed up
    atexit.register(gc.unfreeze)


def render_pdf(
    rapport: Rapport,
    *,
    bestallning: Bestallning | None = None,
    status: Uppgiftsstatus | None = None,
) -> bytes:
    """The PDF; with `status`, the title page says whether the figures are approved
    ("Preliminära uppgifter" when not) and, for a län or the nation, which förbund have
    not approved the year."""
    bestallning = bestallning or Bestallning()
    t19 = rapport.tabeller["T19"]
    ar, fg = str(rapport.ar), str(rapport.ar - 1)
    summary = []
    for kod in NYCKELTAL:
        row = t19.row(kod)
        now, before = row[ar], row[fg]
        change = now - before if isinstance(now, int) and isinstance(before, int) else None
        summary.append(
            {
                "label": row["etikett"],
                "now": siffra(now),
                "before": siffra(before),
                "change": _change(change),
            }
        )
    omfattning = rapport.omfattning
    if omfattning.typ == "forbund":
        till = "Försäkringskassan"
        orgnr = omfattning.kod or ""  # a förbund's scope always has its code
        fran = f"{omfattning.label()} ({orgnr[:6]}-{orgnr[6:]})"
    else:
        till = "Nationella rådet för finansiell samordning"
        fran = "Nationella rådet"
    tables = [_table(kod, t) for kod, t in rapport.tabeller.items()]
    katalog = _table("insatskatalog", rapport.insatskatalog) if rapport.insatskatalog else None
    html = render_to_string(
        "rapporter/pdf.html",
        {
            "rapport": rapport,
            "foregaende_ar": rapport.ar - 1,
            "omfattning": omfattning.label(),
            # Already escaped for CSS: HTML escaping would show `&amp;` in the footer.
            "omfattning_css": mark_safe(css_string(omfattning.label())),  # noqa: S308
            "till": till,
            "fran": fran,
            "bestallning": bestallning,
            "status": status,
            "datum": timezone.localtime(rapport.skapad),
            "iakttagelser": iakttagelser(rapport),
            "summary": summary,
            "tables": tables,
            "katalog": katalog,
            "forklaring": UNDERTRYCKT_FORKLARING,
            "charts": {k: _chart(k, rapport) for k in ("alder", "forsorjning", "ekonomi")},
            "font_faces": mark_safe(FONT_FACES),  # noqa: S308 (our own constant)
        },
    )
    return _write_pdf(html)


# ---------------------------------------------------------------- the summary in words


def _pct(promille: int) -> str:
    return f"{siffra(procent(promille))} procent"


def _change_words(now: int | None, before: int | None, ar: int) -> str:
    """ ", en ökning med 12 procent jämfört med 2024" – or nothing where it cannot be said."""
    if now is None or not before:
        return ""
    change = int(
        (Decimal(now - before) * 100 / Decimal(before)).quantize(Decimal(1), ROUND_HALF_UP)
    )
    if change == 0:
        return f", oförändrat jämfört med {ar}"
    word = "en ökning" if change > 0 else "en minskning"
    return f", {word} med {siffra(abs(change))} procent jämfört med {ar}"


def iakttagelser(rapport: Rapport) -> list[str]:
    """Sammanfattande iakttagelser: sentences made from the report's own cells. A sentence
    whose number is suppressed (None) is left out or said without it."""
    t = rapport.tabeller
    ar, fg = str(rapport.ar), str(rapport.ar - 1)
    t19 = t["T19"]
    sentences = []

    def total(year: str) -> int | None:
        parts = [t19.varde(k, year) for k in ("person_deltaganden", "anonyma_deltaganden", "volym")]
        return None if None in parts else sum(parts)

    deltagare = t["T2"].varde("individinriktade_totalt", "totalt")
    if deltagare is not None:
        sentences.append(
            f"Under {ar} hade de individinriktade insatserna {siffra(deltagare)} deltagare"
            + _change_words(deltagare, total(fg), rapport.ar - 1)
            + "."
        )
    individer = t19.varde("person_individer", ar)
    if individer is not None:
        sentences.append(
            f"{siffra(individer)} individer var registrerade med personuppgifter"
            + _change_words(individer, t19.varde("person_individer", fg), rapport.ar - 1)
            + "."
        )
    t2 = t["T2"].row("individinriktade_totalt")
    kvinnor, man = t2["kvinnor"], t2["man"]
    if kvinnor is not None and man is not None and kvinnor + man:
        sentences.append(
            f"Kvinnor var {_pct(promille(kvinnor, kvinnor + man))} av deltagarna vars kön är känt."
        )
    avslutade = t["T9"].varde("avslutade", "totalt")
    efter = t["T9"].row("efter")["andel"]["totalt"]
    if avslutade and efter is not None:
        before = t19.varde("arbete_eller_studier_efter_promille", fg)
        change = ""
        if before is not None:
            diff = procent(efter) - procent(before)
            change = (
                f", {'oförändrat' if diff == 0 else ('upp ' if diff > 0 else 'ned ')}"
                + (f"{siffra(abs(diff))} procentenheter" if diff else "")
                + f" jämfört med {rapport.ar - 1}"
            )
        sentences.append(
            f"Av de {siffra(avslutade)} deltaganden med personuppgifter som avslutades gick "
            f"{_pct(efter)} till arbete eller studier{change}."
        )
    fors = t["T10"].row("nagon_offentlig")["andel"]
    if fors["fore"] is not None and fors["efter"] is not None:
        sentences.append(
            f"{_pct(fors['fore']).capitalize()} av de avslutade hade någon offentlig försörjning "
            f"före insatsen och {_pct(fors['efter'])} vid avslut."
        )
    t13 = t["T13"]
    if t13.varde("kostnader", "utfall"):
        sentences.append(
            "Administrationen svarade för "
            f"{_pct(t13.varde('administration_andel_promille', 'utfall'))} av kostnaderna."
        )
    eget = t13.varde("eget_kapital_utgaende", "utfall")
    if eget or t13.varde("eget_kapital_ingaende", "utfall"):
        sentences.append(
            f"Eget kapital var {siffra(eget)} kronor vid årets slut "
            f"({siffra(t13.varde('eget_kapital_ingaende', 'utfall'))} kronor vid årets början), "
            f"{_pct(t13.varde('eget_kapital_andel_promille', 'utfall'))} av medlemsbidragen."
        )
    return sentences
