"""The PDF's WeasyPrint resources (fonts, URL fetcher) are made once per process and
reused (rapporter.pdf): every PDF still embeds the report's own font, from any thread,
and the report reads no URL but its own files and its inline charts."""

from __future__ import annotations

import threading

import pytest
from pypdf import PdfReader

from rapporter import pdf
from rapporter.presentation import Bestallning
from rapporter.tabeller import Omfattning, build
from tests.factories import InsatsFactory

HTML = """<!doctype html><html lang="sv"><head><meta charset="utf-8"><style>
{font_faces}
body {{ font-family: "Finsam Sans"; }}</style></head><body><p>{text}</p></body></html>"""


def _fonts_and_text(data: bytes) -> tuple[set[str], str]:
    from io import BytesIO

    reader = PdfReader(BytesIO(data))
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    return fonts, "".join(page.extract_text() for page in reader.pages)


def test_pdfs_after_warm_up_embed_the_report_font_in_any_thread():
    pdf.warm_up()
    out: dict[str, bytes] = {}

    def make(name: str) -> None:
        out[name] = pdf._write_pdf(HTML.format(font_faces=pdf.FONT_FACES, text=name))

    make("Första")
    thread = threading.Thread(target=make, args=("Andra",))
    thread.start()
    thread.join()
    for name in ("Första", "Andra"):
        fonts, text = _fonts_and_text(out[name])
        assert {f.split("+")[-1] for f in fonts} == {"Finsam-Sans"}  # subset, one font
        assert name in text


def test_the_report_fetches_its_files_and_inline_data_only():
    _, fetcher = pdf._weasyprint_resources()
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher.fetch("https://example.org/logo.png")
    response = fetcher.fetch((pdf.FONT_DIR / "FinsamSans.ttf").as_uri())
    try:
        assert response.read(4) == b"\x00\x01\x00\x00"  # a TrueType font
    finally:
        response.close()


def test_a_report_prints_every_character_in_its_own_two_fonts(forbund_a, settings):
    """The shipped fonts are cut down (scripts/subset_fonts.py): the report's own text
    (Swedish labels, – − ≤ ≥ × ” and the narrow no-break space of its numbers) and the
    names and comments of a Nordic förbund print in them, not in a fallback font."""
    settings.FINSAM_RAPPORTFAKTA = False
    namn = "Café Ørsted – Sámi čđŋšŧž"
    InsatsFactory(forbund=forbund_a, kod="CAFE", namn=namn)
    kommentar = "§ 7: 1 € ≈ 11 kr, ≤ 5 ≥ 2 × 3 − 1 „citat” Æblegård Þór …"
    rapport = build(
        ar=2015, omfattning=Omfattning("forbund", forbund_a.organisationsnummer), undertryck=False
    )
    fonts, text = _fonts_and_text(
        pdf.render_pdf(rapport, bestallning=Bestallning(kommentar=kommentar))
    )
    assert {f.split("+")[-1] for f in fonts} == {"Finsam-Sans", "Finsam-Sans-Bold"}
    for shown in (namn, kommentar, "Återrapportering 2015", "Förbundets insatser"):
        assert shown in text


def test_column_widths_fit_the_widest_number_and_fill_the_page_width():
    """The fixed table layout's widths (rapporter.pdf.column_widths): a number never wraps,
    so its column is at least as wide as its widest amount; the columns fill the table."""
    amount = "1\u202f442\u202f324\u202f000"
    headers = [("Rad", "etikett"), ("Utfall (kr)", "value"), ("%", "share")]
    rows = [
        [("Arbetslöshetsersättning", "etikett"), (amount, "value"), ("12", "share")],
        [("Totalt", "etikett"), ("7", "value"), ("100", "share")],
    ]
    widths = pdf.column_widths(pdf.VANLIG, headers, rows)
    assert sum(widths) == pytest.approx(100, abs=0.05)
    mm = [w * pdf.VANLIG.bredd / 100 for w in widths]
    assert mm[1] >= pdf._text_width(amount, pdf.VANLIG.text) + pdf.VANLIG.utfyllnad
    assert mm[2] >= pdf._text_width("100", pdf.VANLIG.text) + pdf.VANLIG.utfyllnad
    # the room left goes by the widest text: the long label gets more than the amount
    assert mm[0] > mm[1] > mm[2]
