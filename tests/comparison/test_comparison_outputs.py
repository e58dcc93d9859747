"""Files written by a comparison: tables, figures, self-contained HTML, Markdown."""

from __future__ import annotations

import re

import pandas as pd
from conftest import FAILED_ERROR

from pilotsim.analysis.comparison import ComparisonResult
from pilotsim.analysis.comparison.paired import COLUMNS

CORE_COLUMNS = ["arm", "reference", "group_type", "group", "metric", "n_pairs", "ref_mean",
                "arm_mean", "diff_mean", "ci_low", "ci_high", "rel_change", "p_better",
                "halfwidth", "enough_seeds", "seeds_needed"]


def test_tables_are_written_tidy(known_result: ComparisonResult) -> None:
    assert list(COLUMNS[:len(CORE_COLUMNS)]) == CORE_COLUMNS
    csv = pd.read_csv(known_result.paths["comparison_csv"])
    parquet = pd.read_parquet(known_result.paths["comparison_parquet"])
    assert list(csv.columns) == list(COLUMNS) == list(parquet.columns)
    assert len(csv) == len(parquet) == len(known_result.comparison)
    assert set(csv["group_type"]) == {"overall", "profile", "digital", "community"}
    assert (csv["reference"] == "baseline").all() and (csv["arm"] == "one_door").all()
    assert csv.duplicated(["arm", "group_type", "group", "metric"]).sum() == 0


def test_figures_are_png_files(known_result: ComparisonResult) -> None:
    for name in ("distributions", "paired_differences", "satisfaction_over_time",
                 "communities"):
        assert known_result.paths[name].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_report_is_self_contained(known_result: ComparisonResult) -> None:
    page = known_result.paths["report_html"].read_text(encoding="utf-8")
    assert page.count('<img src="data:image/png;base64,') == 4
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|[^"'#d])""", page)
    assert "<link" not in page and "<script" not in page


def test_reports_carry_headline_problems_and_notes(known_result: ComparisonResult) -> None:
    sentence = ("One door: trips per case 2.50 → 1.33 (−47%, 95% CI −75% to −18%), "
                "better in 3 of 3 seeds.")
    assert known_result.headlines == [sentence]
    md = known_result.paths["report_md"].read_text(encoding="utf-8")
    page = known_result.paths["report_html"].read_text(encoding="utf-8")
    for text in (sentence, FAILED_ERROR, "one_door/seed9", "no 'baseline' run with seed 9",
                 "Who gains", "Paired design"):
        assert text in md
        assert text.replace("'", "&#x27;") in page
    assert "![Distribution" in md and "(distributions.png)" in md


def test_headline_table_is_aligned(known_result: ComparisonResult) -> None:
    headline, _, decision = known_result.headline_text.partition("\n\n")
    assert decision.startswith("Decision table (ranked by cost per trip saved")
    lines = headline.splitlines()
    header, rule = lines[0], lines[1]
    starts = [m.start() for m in re.finditer(r"-+", rule)]
    assert len(starts) == 8
    measure_col = starts[1]
    assert header[measure_col:].startswith("Measure")
    assert all(line[measure_col - 2:measure_col] == "  " for line in lines[2:])
    assert any("trips per case" in line and "no: need 11" in line for line in lines)


def test_paired_differences_dots_are_jittered_reproducibly(known_result: ComparisonResult
                                                           ) -> None:
    import numpy as np

    from pilotsim.analysis.comparison import figures

    args = (known_result.pairs, known_result.comparison, known_result.arms)
    fig = figures.paired_differences(*args)
    dots = fig.axes[0].collections[0].get_offsets()
    offset = dots[:, 1] - np.round(dots[:, 1])  # across the dot's category (0, 1, …)
    assert len(dots) >= 3 and np.all(np.abs(offset) <= figures.JITTER)
    assert np.ptp(offset) > 0, "the dots are spread across their category"
    assert fig.axes[0].get_ylim() == (len(known_result.arms) - 0.5, -0.5)  # none at an edge
    # NumPy's global generator (which seaborn's own jitter draws from) does not move them
    np.random.seed(1)
    first = figures.to_png(figures.paired_differences(*args))
    np.random.seed(2)
    assert figures.to_png(figures.paired_differences(*args)) == first
