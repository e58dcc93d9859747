"""Planner-readable report of a comparison: headline sentences, tables, who gains, notes.

The report is built once as a list of blocks (headings, paragraphs, tables, images) and then
rendered twice: to a self-contained HTML page (figures embedded as base64 PNG, inline CSS, no
external assets) and to Markdown (figures referenced as PNG files beside it). The headline table
is also rendered as aligned plain text for the terminal.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from pilotsim.comparison.metrics import METRICS, METRICS_BY_NAME, Metric

HEADLINE_METRIC = "trips_per_case"
"""The metric of each arm's headline sentence."""

WHO_GAINS_METRICS: tuple[str, ...] = (
    "trips_per_case", "one_trip_share", "wait_mean_min", "satisfaction_mean", "abandonment_rate")
"""Metrics shown in the who-gains tables (every metric is in comparison.csv)."""

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


def _signed(value: float, digits: int = 0, suffix: str = "") -> str:
    if round(value, digits) == 0:
        value = 0.0  # no "−0%"
    return f"{value:+,.{digits}f}{suffix}".replace("-", MINUS)


def change_text(row: Mapping[str, object], metric: Metric) -> str:
    """Change with its 95% CI: relative (%) if possible, points for shares, else absolute."""
    if row["n_pairs"] is None or pd.isna(row["diff_mean"]):
        return "n/a"
    no_ci = pd.isna(row["ci_low"])
    if metric.unit == "share":
        main = _signed(100 * float(row["diff_mean"]), 1, " points")
        if no_ci:
            return main
        lo, hi = 100 * float(row["ci_low"]), 100 * float(row["ci_high"])
        return f"{main}, 95% CI {_signed(lo, 1)} to {_signed(hi, 1)}"
    if not pd.isna(row["rel_change"]):
        pct = 100 * float(row["rel_change"])
        digits = 1 if abs(pct) < 10 else 0
        main = _signed(pct, digits, "%")
        if no_ci:
            return main
        return (f"{main}, 95% CI {_signed(100 * float(row['rel_ci_low']), digits, '%')} to "
                f"{_signed(100 * float(row['rel_ci_high']), digits, '%')}")
    digits = 0 if metric.unit in ("staff-hours", "budget units") else 2
    main = _signed(float(row["diff_mean"]), digits)
    if no_ci:
        return main
    return (f"{main} {metric.unit}, 95% CI {_signed(float(row['ci_low']), digits)} to "
            f"{_signed(float(row['ci_high']), digits)}")


def _seeds_text(row: Mapping[str, object]) -> str:
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
    enough = row["enough_seeds"]
    if enough is None or pd.isna(enough):
        half = row["halfwidth"]
        if pd.isna(half):
            return "n/a"
        if metric.unit == "share":
            return f"±{100 * float(half):.1f} points"
        return f"±{metric.format(float(half))}"
    return "enough" if bool(enough) else f"no: need {int(row['seeds_needed'])}"  # type: ignore[call-overload]


def headline_table(comparison: pd.DataFrame) -> Table:
    """The overall result of every arm on every metric."""
    rows = []
    overall = comparison[comparison["group_type"] == "overall"]
    for row in overall.to_dict("records"):
        metric = METRICS_BY_NAME[row["metric"]]
        rows.append((arm_label(row["arm"]), metric.label, metric.format(row["ref_mean"]),
                     metric.format(row["arm_mean"]), change_text(row, metric),
                     f"{int(row['n_better'])}/{int(row['n_pairs'])}", row["verdict"],
                     _precision_text(row, metric)))
    return Table(("Arm", "Measure", "Reference", "Arm value", "Change (95% CI)",
                  "Seeds better", "Verdict", "Precision"), tuple(rows))


def plain_table(table: Table) -> str:
    """Render a table as aligned plain text for the terminal."""
    cells = [table.header, *table.rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(table.header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def flagged_sentences(comparison: pd.DataFrame) -> list[str]:
    """Warnings for subgroups that moved against the overall effect (95% CI excludes 0)."""
    out = []
    flagged = comparison[comparison["opposite_to_overall"].astype(bool)]
    kinds = {"profile": "profile", "digital": "group", "community": "community"}
    for row in flagged.to_dict("records"):
        metric = METRICS_BY_NAME[row["metric"]]
        out.append(
            f"{arm_label(row['arm'])}: {metric.label} for {row['group']} "
            f"({kinds.get(row['group_type'], row['group_type'])}) got {row['verdict']}: "
            f"{metric.format(row['ref_mean'])} → {metric.format(row['arm_mean'])} "
            f"({change_text(row, metric)}), {_seeds_text(row)}; "
            f"the overall effect goes the other way.")
    return out


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
            cells.append(f"{m.format(r['ref_mean'])} → {m.format(r['arm_mean'])} "
                         f"({change_text(r, m).split(',')[0]}){mark}")
        body.append(tuple(cells))
    return Table(("Group", *(m.label for m in metrics)), tuple(body))


def build_report(*, reference: str, arms: Sequence[str], comparison: pd.DataFrame,
                 runs: pd.DataFrame, unpaired: pd.DataFrame, figures: Mapping[str, bytes],
                 target_text: str, files: Sequence[str]) -> list[Block]:
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

    Returns:
        The report as blocks.
    """
    ref = arm_label(reference)
    usable = runs[runs["usable"]]
    blocks: list[Block] = [
        Heading(1, f"Reform comparison against “{ref}”"),
        Paragraph(
            f"Each reform arm was simulated with the same residents and the same needs as the "
            f"reference arm “{ref}” (same seeds), so every difference below is a paired, "
            f"seed-by-seed difference. {len(usable)} complete runs were used; "
            f"{int((~runs['usable']).sum())} run folders were left out (see “Runs left out”)."),
        Heading(2, "Headline"),
        Bullets(tuple(headline_sentences(comparison))),
        headline_table(comparison),
        Paragraph("Change: relative to the reference level (percentage points for shares; "
                  "absolute where the reference level is zero, e.g. cost). Seeds better: in how "
                  "many paired seeds the arm did strictly better. Verdict: better or worse when "
                  "the 95% confidence interval excludes no change; no change when every seed "
                  "gave exactly the same value; otherwise unclear. "
                  f"Precision: {target_text}"),
        Image("paired_differences.png", figures["paired_differences.png"],
              "Paired differences per seed with mean and 95% confidence interval"),
        Image("distributions.png", figures["distributions.png"],
              "Distribution of trips per case and wait per visit, by arm"),
        Image("satisfaction_over_time.png", figures["satisfaction_over_time.png"],
              "Weekly satisfaction by arm"),
        Heading(2, "Who gains"),
        Paragraph("The same paired comparison within each resident profile, for digitally "
                  "excluded residents and the rest, and within each community. A reform that "
                  "helps on average can still leave a group behind; such groups are marked ⚠ "
                  "when their change goes the opposite way to the overall change and its 95% "
                  "confidence interval excludes no change."),
    ]
    warnings = flagged_sentences(comparison)
    blocks.append(Bullets(tuple(f"⚠ {w}" for w in warnings)) if warnings else Paragraph(
        "No group moved against the overall effect with a 95% confidence interval excluding "
        "no change."))
    for arm in arms:
        blocks.append(Heading(3, arm_label(arm)))
        for group_type, title in (("profile", "By resident profile"),
                                  ("digital", "Digitally excluded or not")):
            table = _who_gains_table(comparison, arm, group_type)
            if table is not None:
                blocks += [Paragraph(f"{title} (reference → arm, change):"), table]
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
            "numbers). For each seed the difference arm − reference is taken; the table reports "
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
