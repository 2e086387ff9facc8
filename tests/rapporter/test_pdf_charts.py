"""The PDF's charts leave room for their labels: nothing drawn lies outside the figure,
with the longest labels the tables have, large values and a suppressed value's footnote."""

from __future__ import annotations

import pytest

from rapporter.pdf import chart_figure
from rapporter.tabeller import Omfattning, build

pytestmark = pytest.mark.django_db

COLUMNS = {"alder": ("T3", "kvinnor", "man"), "forsorjning": ("T10", "fore", "efter"),
           "ekonomi": ("T13", "budget", "utfall")}  # fmt: skip


@pytest.mark.parametrize("kind", list(COLUMNS))
@pytest.mark.parametrize("value", [7, 4_321, 987_654_321])
@pytest.mark.parametrize("hidden", [False, True])
def test_every_label_lies_inside_the_chart(forbund_a, kind, value, hidden):
    import matplotlib.pyplot as plt

    rapport = build(
        ar=2024, omfattning=Omfattning("forbund", forbund_a.organisationsnummer), undertryck=False
    )
    tabell, *columns = COLUMNS[kind]
    for i, row in enumerate(rapport.tabeller[tabell].rader):
        for column in columns:
            row[column] = value - i
    if hidden:
        rapport.tabeller[tabell].rader[0][columns[0]] = None
    fig, _ = chart_figure(kind, rapport)
    try:
        renderer = fig.canvas.get_renderer()
        drawn = fig.get_tightbbox(renderer)  # in inches, like the figure's size
        width, height = fig.get_size_inches()
        assert drawn.x0 >= 0 and drawn.y0 >= 0, (drawn, kind)
        assert drawn.x1 <= width and drawn.y1 <= height, (drawn, kind)
        # The plot itself is not squeezed to make room (at most half the width is margins).
        assert fig.axes[0].get_position().width > 0.5
    finally:
        plt.close(fig)
