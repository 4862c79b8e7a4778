"""The dashboard's colours read at WCAG AA; the heat map legend wraps."""

from reinforcement.web.manager_charts import (
    BANDS,
    NO_DATA,
    SERIES,
    band_colour,
    contrast,
    heatmap_legend,
    text_colour,
)

AA = 4.5


def test_contrast_matches_known_wcag_ratios():
    """Black on white is 21:1, and white on the old light blue was under 3:1."""
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert contrast("#ffffff", "#67a9cf") < 3


def test_every_cell_number_meets_aa_on_its_band():
    """Each band's number is in black or white, whichever passes 4.5:1."""
    for _lower, colour, _label in BANDS:
        assert contrast(text_colour(colour), colour) >= AA, colour
    assert contrast(text_colour(NO_DATA), NO_DATA) >= AA


def test_text_colour_is_chosen_per_band():
    """Light blue gets dark text; dark blue and dark red get white."""
    assert text_colour(band_colour(0.92)) == "#000000"
    assert text_colour(band_colour(0.97)) == "#ffffff"
    assert text_colour(band_colour(0.3)) == "#ffffff"


def test_series_colours_stand_out_from_white():
    """Trend lines and legend swatches keep 3:1 against the white chart."""
    for colour, _label in SERIES.values():
        assert contrast(colour, "#ffffff") >= 3, colour


def test_heatmap_legend_is_wrapping_html_with_every_band():
    """The legend and its note are HTML (they wrap), one item per band."""
    html = str(heatmap_legend())
    assert html.count("<li>") == len(BANDS) + 1
    assert "too few answers" in html and "Colour and number" in html
