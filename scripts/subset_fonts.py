"""Make the PDF's fonts (static/fonts/FinsamSans*.ttf) from the full DejaVu Sans beside them.

WeasyPrint subsets every embedded font for every PDF; from the full DejaVu Sans (6 000
glyphs, 750 kB) that is a tenth of a report's time when HarfBuzz's subsetter is missing
and fontTools does it. The shipped fonts hold only the characters a Swedish report can
need: Latin (Swedish, the other Nordic and Sami letters, the rest of Europe's Latin
letters), combining accents, punctuation and the symbols the report uses. A character
outside them (say in a free-text comment) is still printed, in the system's font.
Layout features (kerning) are kept; hinting is not (WeasyPrint drops it from the PDF).

Run after changing CHARACTERS: .venv/bin/python scripts/subset_fonts.py
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
SOURCES = {"DejaVuSans.ttf": "FinsamSans.ttf", "DejaVuSans-Bold.ttf": "FinsamSans-Bold.ttf"}
CHARACTERS = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x017F),  # Latin-1 (å ä ö é × ½ §) and Latin Extended-A (Sami á č đ ŋ š ŧ ž)
    (0x0218, 0x021B),  # ș ț
    (0x0300, 0x036F),  # combining accents (decomposed å, ä, ö)
    (0x2000, 0x206F),  # spaces (narrow no-break), dashes – —, quotes ” „, … •
    (0x20AC, 0x20AC),  # €
    (0x2116, 0x2116),  # №
    (0x2122, 0x2122),  # ™
    (0x2190, 0x2193),  # arrows
    (0x2212, 0x2212),  # − (minus)
    (0x2248, 0x2248),  # ≈
    (0x2260, 0x2260),  # ≠
    (0x2264, 0x2265),  # ≤ ≥
    (0xFFFD, 0xFFFD),  # replacement character
]


def main() -> None:
    unicodes = [c for first, last in CHARACTERS for c in range(first, last + 1)]
    for source, target in SOURCES.items():
        options = subset.Options()
        options.hinting = False
        options.name_IDs = ["*"]  # keep the copyright and licence records
        options.name_languages = ["*"]
        options.drop_tables += ["FFTM", "MATH"]
        font = subset.load_font(str(FONTS / source), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        subset.save_font(font, str(FONTS / target), options)
        print(f"{target}: {len(font.getGlyphOrder())} glyphs, {(FONTS / target).stat().st_size} B")


if __name__ == "__main__":
    main()
