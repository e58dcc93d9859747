"""Planner-readable report of a comparison: headline sentences, tables, who gains, notes.

The report is built once as a list of blocks (headings, paragraphs, tables, images) and then
rendered twice: to a self-contained HTML page (figures embedded as base64 PNG, inline CSS, no
external assets) and to Markdown (figures referenced as PNG files beside it). The headline table
is also rendered as aligned plain text for the terminal.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from pilotsim.analysis.comparison.cost_effectiveness import EFFECTS
from pilotsim.analysis.comparison.mechanisms import (
    WAITS,
    evened_out,
    explain,
    mechanism_for,
    where_they_queued,
)
from pilotsim.analysis.comparison.metrics import (
    COST_METRICS,
    METRICS,
    METRICS_BY_NAME,
    PER_YEAR_UNITS,
    Metric,
)

HEADLINE_METRIC = "trips_per_case"
"""The metric of each arm's headline sentence."""

WHO_GAINS_METRICS: tuple[str, ...] = tuple(m.name for m in METRICS if m.by_group)
"""Metrics shown in the who-gains tables: every measure computed per group."""

MINUS = "\N{MINUS SIGN}"


@dataclass(frozen=True)
class Heading:
    """A section heading (level 1–3)."""

    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A bulleted list of plain-text items."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table of plain-text cells."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Image:
    """A figure: ``name`` is its PNG file name beside the report."""

    name: str
    png: bytes
    alt: str


Block = Heading | Paragraph | Bullets | Table | Image


def arm_label(arm: str) -> str:
    """Readable name of an arm: ``"one_door+data_sharing"`` → ``"One door + data sharing"``."""
    text = " + ".join(part.replace("_", " ").strip() for part in arm.split("+"))
    return text[:1].upper() + text[1:]


MAX_DECIMALS = 6


def decimals_for(halfwidth: float, fallback: int = 1) -> int:
    """Decimals that show an estimate as precisely as its interval allows, and no more.

    The half-width is rounded to one significant digit (two when that digit is 1, so that
    ±0.14 does not become ±0.1) and the estimate to the same decimal: ±0.034 → 2 decimals,
    ±2.3 → 0, ±0.0004 → 4. ``fallback`` when there is no usable half-width.
    """
    if halfwidth is None or not math.isfinite(halfwidth) or halfwidth <= 0:
        return fallback
    exponent = math.floor(math.log10(halfwidth))
    leading = halfwidth / 10.0**exponent
    digits = -exponent + (1 if int(leading) == 1 else 0)
    return max(0, min(MAX_DECIMALS, digits))


def signed(value: float, digits: int = 0, suffix: str = "") -> str:
    """``+1.5``/``−0.3`` with a true minus sign, ``0`` unsigned, thousands separated."""
    if round(value, digits) == 0:
        return f"{0.0:.{digits}f}{suffix}"  # no "−0%" nor "+0%"
    return f"{value:+,.{digits}f}".replace("-", MINUS) + suffix


def _points(metric: Metric) -> bool:
    return metric.unit.startswith("points")


def change_parts(row: Mapping[str, object], metric: Metric) -> tuple[str, str, str] | None:
    """The change and its 95% CI ends as text, at the precision the interval allows.

    Shares change in percentage points, satisfaction in points of its 0–100 scale, costs in
    their unit (no interval: a cost is configured, not estimated); other measures relative to
    the reference level (%), or in their unit when that level is zero.

    Returns:
        ``(change, low, high)`` (``low``/``high`` empty without an interval), or None.
    """
    if row["n_pairs"] is None or pd.isna(row["diff_mean"]):
        return None
    diff, half = float(row["diff_mean"]), float(row["halfwidth"])
    # no interval: a cost (configured), one pair, or the same change in every seed
    no_ci = pd.isna(row["ci_low"]) or metric.name in COST_METRICS or half == 0
    if metric.unit == "share" or _points(metric):
        scale = 100.0 if metric.unit == "share" else 1.0
        lo, hi = scale * float(row["ci_low"]), scale * float(row["ci_high"])
        d = decimals_for(scale * half, 1)
        value, suffix, ends = scale * diff, " points", ""
    elif not pd.isna(row["rel_change"]) and metric.name not in COST_METRICS:
        ref = abs(float(row["ref_mean"]))
        d = decimals_for(100 * half / ref, 1)
        lo, hi = 100 * float(row["rel_ci_low"]), 100 * float(row["rel_ci_high"])
        value, suffix, ends = 100 * float(row["rel_change"]), "%", "%"
    else:
        d = decimals_for(half, 0 if metric.unit in PER_YEAR_UNITS else 2)
        lo, hi = float(row["ci_low"]), float(row["ci_high"])
        value, suffix, ends = diff, f" {metric.unit}", ""
    if no_ci:
        return signed(value, d, suffix), "", ""
    # an interval that excludes zero must not print an end as 0 (a verdict beside
    # "−0.26 to 0.00" reads as a contradiction): one more digit until neither end rounds to 0
    while (lo > 0 or hi < 0) and d < MAX_DECIMALS and 0 in (round(lo, d), round(hi, d)):
        d += 1
    return signed(value, d, suffix), signed(lo, d, ends), signed(hi, d, ends)


def change_text(row: Mapping[str, object], metric: Metric) -> str:
    """Change with its 95% CI, e.g. ``"−28%, 95% CI −29% to −27%"`` (see change_parts)."""
    parts = change_parts(row, metric)
    if parts is None:
        return "n/a"
    main, lo, hi = parts
    return main if not lo else f"{main}, 95% CI {lo} to {hi}"


def short_change(row: Mapping[str, object], metric: Metric) -> str:
    """Change with its CI in brackets, for table cells: ``"−0.41 [−0.45 to −0.37]"``."""
    parts = change_parts(row, metric)
    if parts is None:
        return "n/a"
    main, lo, hi = parts
    main = main.removesuffix(" points")
    return main if not lo else f"{main} [{lo} to {hi}]"


def _seeds_text(row: Mapping[str, object]) -> str:
    worlds = int(row.get("n_worlds", 1) or 1)  # type: ignore[call-overload]
    if worlds > 1:  # each pair is a world × seed (a robustness study, a swept parameter)
        return (f"better in {row['n_better']} of {row['n_pairs']} paired runs "
                f"({worlds} worlds × seeds)")
    return f"better in {row['n_better']} of {row['n_pairs']} seeds"


def headline_sentence(row: Mapping[str, object]) -> str:
    """One sentence for one arm and metric, e.g. ``"One door: trips per case 1.62 → 1.21 …"``."""
    metric = METRICS_BY_NAME[str(row["metric"])]
    return (f"{arm_label(str(row['arm']))}: {metric.label} "
            f"{metric.format(float(row['ref_mean']))} → {metric.format(float(row['arm_mean']))} "
            f"({change_text(row, metric)}), {_seeds_text(row)}.")


def headline_sentences(comparison: pd.DataFrame, metric: str = HEADLINE_METRIC) -> list[str]:
    """The headline sentence of every compared arm."""
    rows = comparison[(comparison["group_type"] == "overall")
                      & (comparison["metric"] == metric)]
    return [headline_sentence(r) for r in rows.to_dict("records")]


def _precision_text(row: Mapping[str, object], metric: Metric) -> str:
    if metric.name in COST_METRICS:
        return ""
    enough = row["enough_seeds"]
    if enough is None or pd.isna(enough):
        half = row["halfwidth"]
        if pd.isna(half):
            return "n/a"
        scale = 100.0 if metric.unit == "share" else 1.0
        h = scale * float(half)
        if h == 0:
            return "exact"
        d = decimals_for(h)
        unit = " points" if metric.unit == "share" else ""
        return f"±{h:,.{d}f}{unit}"
    return "enough" if bool(enough) else f"no: need {int(row['seeds_needed'])}"  # type: ignore[call-overload]


def headline_table(comparison: pd.DataFrame) -> Table:
    """The overall result of every arm on every metric (costs without interval or verdict)."""
    rows = []
    overall = comparison[comparison["group_type"] == "overall"]
    for row in overall.to_dict("records"):
        metric = METRICS_BY_NAME[row["metric"]]
        cost = metric.name in COST_METRICS
        judged = not cost and metric.better != "neither"  # the channel mix: no better side
        rows.append((arm_label(row["arm"]), metric.label, metric.format(row["ref_mean"]),
                     metric.format(row["arm_mean"]), change_text(row, metric),
                     f"{int(row['n_better'])}/{int(row['n_pairs'])}" if judged else "",
                     row["verdict"] if judged else "", _precision_text(row, metric)))
    several = "n_worlds" in overall and bool((overall["n_worlds"] > 1).any())
    return Table(("Arm", "Measure", "Reference", "Arm value", "Change (95% CI)",
                  "Runs better (world × seed)" if several else "Seeds better", "Verdict",
                  "Precision"), tuple(rows))


def plain_table(table: Table) -> str:
    """Render a table as aligned plain text for the terminal."""
    cells = [table.header, *table.rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(table.header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def flagged_sentences(comparison: pd.DataFrame,
                      offices: pd.DataFrame | None = None) -> list[str]:
    """Warnings for subgroups that moved against the overall effect (95% CI excludes 0).

    A group's worse wait is explained where the levels or the offices show why: its quieter
    desk pooled with the busier ones (:func:`~.mechanisms.evened_out`), and where it queued
    (:func:`~.mechanisms.where_they_queued`, from ``offices``, the runs' visits by office).
    """
    out = []
    flagged = comparison[comparison["opposite_to_overall"].astype(bool)]
    overall = {(r["arm"], r["metric"]): r for r in
               comparison[comparison["group_type"] == "overall"].to_dict("records")}
    kinds = {"profile": "profile", "digital": "group", "community": "community"}
    for row in flagged.to_dict("records"):
        metric = METRICS_BY_NAME[row["metric"]]
        text = (f"{arm_label(row['arm'])}: {metric.label} for {row['group']} "
                f"({kinds.get(row['group_type'], row['group_type'])}) got {row['verdict']}: "
                f"{metric.format(row['ref_mean'])} → {metric.format(row['arm_mean'])} "
                f"({change_text(row, metric)}), {_seeds_text(row)}; "
                f"the overall effect goes the other way")
        every = overall.get((row["arm"], row["metric"]))
        reasons = []
        if every is not None and evened_out(row, every, offices):
            reasons.append(
                f"they waited less than the average resident before "
                f"({metric.format(row['ref_mean'])} against "
                f"{metric.format(every['ref_mean'])} min) and now wait what everyone waits "
                f"({metric.format(row['arm_mean'])} against "
                f"{metric.format(every['arm_mean'])} min): their shorter queues were pooled "
                f"with the busier ones, which evens waits out")
        if row["verdict"] == "worse":  # the group's own measures, by the overall rules
            own = comparison[(comparison["arm"] == row["arm"])
                             & (comparison["group_type"] == row["group_type"])
                             & (comparison["group"] == row["group"])]
            because = mechanism_for(str(row["metric"]), {
                str(r["metric"]): r for r in own.to_dict("records")},
                lambda r: change_text(r, METRICS_BY_NAME[str(r["metric"])]))
            if because:
                reasons.append(because)
        if offices is not None and row["metric"] in WAITS and float(row["diff_mean"]) > 0:
            where = where_they_queued(offices, str(row["reference"]), str(row["arm"]),
                                      str(row["group_type"]), str(row["group"]))
            if where:
                reasons.append(where)
        out.append(text + (": " + "; ".join(reasons) if reasons else "") + ".")
    return out


def chance_flags(comparison: pd.DataFrame) -> str:
    """How many group cells an arm has, and how many a 95% interval flags by chance.

    Args:
        comparison: The comparison table.

    Returns:
        A sentence (with a leading space) for the "Who gains" text; empty without group rows.
    """
    judged = comparison[(comparison["group_type"] != "overall")
                        & comparison["metric"].isin(WHO_GAINS_METRICS)
                        & comparison["ci_low"].notna()]
    if judged.empty:
        return ""
    cells = int(judged.groupby("arm").size().max())
    return (f" Each arm has up to {cells:,} group × measure cells, and a 95% interval flags a "
            f"cell whose true change is zero one time in forty (on the side against the "
            f"overall change): up to about {cells / 40:.0f} flags per arm by chance alone, so a "
            f"small flag with no mechanism behind it may be noise.")


def _column_label(m: Metric) -> str:
    if m.unit == "share" or _points(m):
        return f"{m.label} (points)"
    return f"{m.label} (%)"


def _who_gains_table(comparison: pd.DataFrame, arm: str, group_type: str) -> Table | None:
    rows = comparison[(comparison["arm"] == arm) & (comparison["group_type"] == group_type)
                      & comparison["metric"].isin(WHO_GAINS_METRICS)]
    if rows.empty:
        return None
    metrics = [m for m in METRICS if m.name in WHO_GAINS_METRICS]
    body = []
    for group, sub in rows.groupby("group", sort=True):
        by_metric = sub.set_index("metric")
        cells = [str(group)]
        for m in metrics:
            if m.name not in by_metric.index:
                cells.append("n/a")
                continue
            r = by_metric.loc[m.name].to_dict() | {"metric": m.name}
            mark = " ⚠" if r["opposite_to_overall"] else ""
            cells.append(f"{short_change(r, m)}{mark}")
        body.append(tuple(cells))
    return Table(("Group", *(_column_label(m) for m in metrics)), tuple(body))


def _money(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:,.0f}"


def _ratio_text(row: Mapping[str, object]) -> str:
    status = row["status"]
    if status == "cost-saving":
        return "saves money too"
    if status == "worse":
        return "more, not fewer"
    if status == "no clear saving":
        return "no clear saving"
    lo, hi = row["ratio_ci_low"], row["ratio_ci_high"]
    return f"{_money(row['ratio'])} [{_money(lo)} to {_money(hi)}]"  # type: ignore[arg-type]


def decision_sentence(ce: pd.DataFrame) -> str | None:
    """The ranking in one sentence: ``"By cost per trip saved: 1. Outreach (52 [50 to 53]) …"``."""
    first = ce[ce["effect"] == EFFECTS[0].metric].sort_values("rank") if not ce.empty else ce
    if first.empty:
        return None
    parts = [f"{int(r['rank'])}. {arm_label(str(r['arm']))} ({_ratio_text(r)})"
             for r in first.to_dict("records")]
    return (f"By cost per {EFFECTS[0].unit} (budget per year, 95% CI): "
            + "; ".join(parts) + ".")


def decision_table(ce: pd.DataFrame, comparison: pd.DataFrame) -> Table | None:
    """Arms ranked by cost per trip saved, with cost per hour waited and per case not lost."""
    if ce.empty:
        return None
    budget = comparison[(comparison["group_type"] == "overall")
                        & (comparison["metric"] == "budget")].set_index("arm")["diff_mean"]
    rows = []
    for rank, sub in ce.groupby("rank", sort=True):
        by = sub.set_index("effect")
        arm = str(by["arm"].iloc[0])
        saved = "n/a"
        if EFFECTS[0].metric in by.index:
            first = by.loc[EFFECTS[0].metric]
            saved = (f"{_money(first['saved_mean'])} [{_money(first['saved_ci_low'])} to "
                     f"{_money(first['saved_ci_high'])}]")
        cells = [str(int(rank)), arm_label(arm),
                 _money(float(budget.get(arm, float("nan")))), saved]
        cells += [_ratio_text(by.loc[e.metric]) if e.metric in by.index else "n/a"
                  for e in EFFECTS]
        rows.append(tuple(cells))
    return Table(("Rank", "Arm", "Extra budget per year", "Trips saved per year [95% CI]",
                  *(f"Cost per {e.unit} [95% CI]" for e in EFFECTS)), tuple(rows))


def mechanism_sentences(comparison: pd.DataFrame) -> list[str]:
    """Each significantly worse overall change, with the mechanism the other measures show."""
    out = []
    for arm, measure, change, because in explain(
            comparison, lambda r: change_text(r, METRICS_BY_NAME[str(r["metric"])])):
        reason = because or ("no other measure here explains it; look at the office visits "
                             "(visits.parquet) of the runs")
        out.append(f"{arm_label(arm)}: {measure} got worse ({change}): {reason}.")
    return out


def build_report(*, reference: str, arms: Sequence[str], comparison: pd.DataFrame,
                 runs: pd.DataFrame, unpaired: pd.DataFrame, figures: Mapping[str, bytes],
                 target_text: str, files: Sequence[str],
                 cost_effectiveness: pd.DataFrame | None = None,
                 header: Sequence[Block] = (),
                 offices: pd.DataFrame | None = None) -> list[Block]:
    """Assemble the report's blocks.

    Args:
        reference: The reference arm.
        arms: Compared arms (reference excluded).
        comparison: The comparison table.
        runs: All run folders found (``RunCatalog.to_frame``).
        unpaired: Runs left out of a pairing.
        figures: PNG bytes by file name (``distributions.png``, ``paired_differences.png``,
            ``satisfaction_over_time.png``, ``communities.png``).
        target_text: How the precision target was set, in words.
        files: Names of the files written beside the report.
        cost_effectiveness: The ranked cost-effectiveness table, for the decision table.
        header: The "What was run" blocks
            (:func:`pilotsim.analysis.comparison.header.header_blocks`).
        offices: Visits and minutes waited by arm, group and office
            (:attr:`~.metrics.RunSummaries.offices`), to say where a flagged group queued.

    Returns:
        The report as blocks.
    """
    ref = arm_label(reference)
    usable = runs[runs["usable"]]
    ce = cost_effectiveness if cost_effectiveness is not None else pd.DataFrame()
    ranking = decision_sentence(ce)
    headline_bullets = Bullets((*headline_sentences(comparison), *([ranking] if ranking else [])))
    blocks: list[Block] = [
        Heading(1, f"Reform comparison against “{ref}”"),
        Paragraph(
            f"Each reform arm was simulated with the same residents and the same needs as the "
            f"reference arm “{ref}” (same seeds), so every difference below is a paired, "
            f"seed-by-seed difference. {len(usable)} complete runs were used; "
            f"{int((~runs['usable']).sum())} run folders were left out (see “Runs left out”)."),
        *header,
        Heading(2, "Headline"),
        headline_bullets,
        headline_table(comparison),
        Paragraph("Change: relative to the reference level; in percentage points for shares "
                  "and in points of the 0–100 scale for satisfaction; in its unit where the "
                  "reference level is zero. Digits as far as the 95% interval allows. Seeds "
                  "better: in how many paired seeds the arm did strictly better. Verdict: better "
                  "or worse when the 95% confidence interval excludes no change; no change when "
                  "every seed gave exactly the same value; otherwise unclear. Costs are the "
                  "reforms' configured costs per year, without interval or verdict. Cases "
                  "handled online is the channel mix, neither better nor worse, so it has an "
                  "interval but no verdict: fewer cases online means more at the counters, "
                  "where a case makes more office visits. Totals per "
                  "year are for the whole population. "
                  f"Precision: {target_text}"),
    ]
    table = decision_table(ce, comparison)
    blocks.append(Heading(2, "Decision table: what a saving costs"))
    if table is None:
        blocks.append(Paragraph("No cost-effectiveness could be computed (no arm has both a "
                                "cost and a saving with two or more paired seeds)."))
    else:
        blocks += [
            table,
            Paragraph(
                "Arms ranked by cost per trip saved: arms that save trips and money first, then "
                "the cheapest trip saved, then arms whose saving is not clear, then arms that "
                "add trips. Cost per unit = extra budget per year ÷ saving per year, both for "
                "the whole population and paired by seed (trips: office visits; hours: time "
                "queued; abandoned cases: cases given up). 95% intervals by Fieller's method "
                "for a ratio of paired means (exact for jointly normal means, the same t "
                "quantile as every other interval here); when the saving's own interval "
                "includes zero no finite interval exists and the table says “no clear "
                "saving”. Set-up budgets are annualised as stated under “What was run”. "
                "cost_effectiveness.csv has every number.")]
    worse = mechanism_sentences(comparison)
    if worse:
        blocks += [Heading(2, "Why some measures got worse"),
                   Paragraph("Every measure an arm made significantly worse, with the "
                             "mechanism the other measures of the same runs show:"),
                   Bullets(tuple(worse))]
    blocks += [
        Image("paired_differences.png", figures["paired_differences.png"],
              "Paired differences per seed with mean and 95% confidence interval"),
        Image("distributions.png", figures["distributions.png"],
              "Distribution of trips per case and wait per visit, by arm"),
        Image("satisfaction_over_time.png", figures["satisfaction_over_time.png"],
              "Weekly satisfaction by arm"),
        Heading(2, "Who gains"),
        Paragraph("The same paired comparison within each resident profile, for digitally "
                  "excluded residents and the rest, and within each community: each cell is "
                  "the change (as in the headline table) with its 95% interval in brackets. A "
                  "reform that helps on average can still leave a group behind; such groups are "
                  "marked ⚠ when their change goes the opposite way to the overall change and "
                  "its 95% confidence interval excludes no change." + chance_flags(comparison)),
    ]
    warnings = flagged_sentences(comparison, offices)
    blocks.append(Bullets(tuple(f"⚠ {w}" for w in warnings)) if warnings else Paragraph(
        "No group moved against the overall effect with a 95% confidence interval excluding "
        "no change."))
    for arm in arms:
        blocks.append(Heading(3, arm_label(arm)))
        for group_type, title in (("profile", "By resident profile"),
                                  ("digital", "Digitally excluded or not"),
                                  ("community", "By community")):
            who = _who_gains_table(comparison, arm, group_type)
            if who is not None:
                blocks += [Paragraph(f"{title} (change [95% CI]):"), who]
    blocks.append(Image("communities.png", figures["communities.png"],
                        "Change in trips per case by community and arm"))

    blocks.append(Heading(2, "Runs"))
    counts = []
    for arm in [reference, *arms]:
        mine = runs[runs["arm"] == arm]
        n_unpaired = int((unpaired["arm"] == arm).sum()) if not unpaired.empty else 0
        counts.append((arm_label(arm), str(int(mine["usable"].sum())),
                       str(int((~mine["usable"]).sum())), str(n_unpaired)))
    blocks.append(Table(("Arm", "Complete runs used", "Left out", "Without a partner seed"),
                        tuple(counts)))
    problems = runs[~runs["usable"]]
    blocks.append(Heading(3, "Runs left out"))
    if problems.empty:
        blocks.append(Paragraph("None: every run folder found was complete."))
    else:
        blocks.append(Table(("Run folder", "Arm", "Seed", "Status", "Reason"), tuple(
            (str(r.run_id), str(r.arm), "" if pd.isna(r.seed) else str(int(r.seed)),
             str(r.status), str(r.error)) for r in problems.itertuples())))
    blocks.append(Heading(3, "Runs without a partner seed"))
    if unpaired.empty:
        blocks.append(Paragraph("None: every run had a partner with the same seed."))
    else:
        blocks.append(Paragraph("These runs are excluded from the pairing named:"))
        blocks.append(Table(("Run folder", "Arm", "Seed", "Reason"), tuple(
            (str(r.run_id), str(r.arm), str(r.seed), str(r.reason))
            for r in unpaired.itertuples())))

    blocks += [
        Heading(2, "Notes"),
        Paragraph(
            "Paired design: runs with the same seed share residents and needs (common random "
            "numbers). Every measure counts only cases opened and visits made after the "
            "warm-up (see “What was run”). For each seed the difference arm − reference is "
            "taken; the table reports "
            "the mean difference over seeds and its 95% t confidence interval (mean ± t(0.975, "
            "n−1)·SD/√n). The relative change divides by the reference mean, and so does its "
            "interval (the reference mean is treated as fixed). “Probability better” "
            "(p_better in comparison.csv) is the probability that the true mean difference lies "
            "in the better direction, under a t posterior with flat priors (equal to one minus "
            "the one-sided paired t-test p-value); “seeds better” counts seeds where the arm was "
            "strictly better."),
        Paragraph(f"Precision: {target_text} Seeds needed is the smallest n with "
                  "t(0.975, n−1)·SD/√n at or below the target half-width, using the observed SD "
                  "of the paired differences."),
        Table(("Measure", "Column", "Unit", "Better", "Definition"), tuple(
            (m.label, m.name, m.unit, m.better, m.definition) for m in METRICS)),
        Paragraph("Files: " + ", ".join(files) + ". comparison.csv holds every arm × group × "
                  "measure, including groups not shown here."),
    ]
    return blocks


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
img { max-width: 100%; margin: 1em 0; }
li { margin: 0.3em 0; }
"""


def render_html(blocks: Sequence[Block], title: str) -> str:
    """Render blocks as one self-contained HTML page (figures inline as base64 PNG)."""
    esc = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>"]
    for b in blocks:
        match b:
            case Heading(level, text):
                parts.append(f"<h{level}>{esc(text)}</h{level}>")
            case Paragraph(text):
                parts.append(f"<p>{esc(text)}</p>")
            case Bullets(items):
                parts.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")
            case Table(header, rows):
                head = "".join(f"<th>{esc(h)}</th>" for h in header)
                body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>"
                               for r in rows)
                parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
                             "</table>")
            case Image(_, png, alt):
                data = base64.b64encode(png).decode("ascii")
                parts.append(f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}">')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _md_text(text: str) -> str:
    # Markdown passes raw HTML through and turns [..](..) into links: labels and errors from
    # run folders are data, shown as written.
    text = html.escape(str(text), quote=False)
    return text.replace("[", "\\[").replace("]", "\\]")


def _md_cell(text: str) -> str:
    return _md_text(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(blocks: Sequence[Block]) -> str:
    """Render blocks as Markdown (figures linked as PNG files beside the report)."""
    parts: list[str] = []
    for b in blocks:
        match b:
            case Heading(level, text):
                parts.append(f"{'#' * level} {_md_text(text)}")
            case Paragraph(text):
                parts.append(_md_text(text))
            case Bullets(items):
                parts.append("\n".join(f"- {_md_text(i)}" for i in items))
            case Table(header, rows):
                lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |",
                         "|" + "|".join("---" for _ in header) + "|"]
                lines += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
                parts.append("\n".join(lines))
            case Image(name, _, alt):
                parts.append(f"![{alt}]({name})")
    return "\n\n".join(parts) + "\n"
