"""Where the decision flips: the region of worlds in which the recommended arm is not best.

Scenario discovery (Bryant & Lempert 2010) in its decision-tree form: a shallow
classification tree (scikit-learn) separates the worlds where the recommended arm is best from
those where it is not, using the worlds' parameter values; each leaf where the arm mostly
loses becomes a rule in the parameters' own words ("when behaviour.knowledge.wrong_office <
0.21 and …"). A tree is used rather than PRIM's boxes because it is in a well-kept library,
finds several separate regions at once, and its splits read as plain thresholds. Each rule
reports its *density* (share of its worlds where the arm is not best) and *coverage* (share of
all such worlds it contains), as PRIM would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_DEPTH = 2
"""Two conditions per rule at most: what a planner can hold in mind."""


@dataclass(frozen=True)
class FlipRule:
    """One region where the recommended arm is mostly not best.

    Attributes:
        conditions: ``(parameter, "<" or ">=", threshold)`` in order from the root.
        n_worlds: Worlds in the region.
        n_flipped: Of those, worlds where the recommended arm is not best.
        coverage: ``n_flipped`` / all worlds where it is not best.
        winners: Arm → worlds in the region where it is best (most first).
    """

    conditions: tuple[tuple[str, str, float], ...]
    n_worlds: int
    n_flipped: int
    coverage: float
    winners: tuple[tuple[str, int], ...]

    @property
    def density(self) -> float:
        """Share of the region's worlds where the recommended arm is not best."""
        return self.n_flipped / self.n_worlds if self.n_worlds else float("nan")

    def sentence(self, recommended: str, label: Callable[[str], str] = str) -> str:
        """The rule in words: 'when A < 0.2 and B ≥ 0.7, X beats Y (…)'."""
        cond = " and ".join(f"{p} {'<' if op == '<' else '≥'} {t:.3g}"
                            for p, op, t in self.conditions)
        winner, n_win = self.winners[0] if self.winners else ("another arm", self.n_flipped)
        rec_best = self.n_worlds - self.n_flipped
        return (f"when {cond or 'in any world'}, {label(winner)} beats {label(recommended)}: "
                f"best in {n_win} of {self.n_worlds} such worlds ({label(recommended)} best in "
                f"{rec_best}); this region holds {self.coverage:.0%} of the worlds where "
                f"{label(recommended)} is not best")


def flip_rules(values: pd.DataFrame, best: pd.Series, recommended: str,
               min_leaf: int | None = None) -> list[FlipRule]:
    """Describe the worlds where ``recommended`` is not among the best arms.

    Args:
        values: Worlds × parameters (numbers), indexed like ``best``.
        best: The best arms in each world (a tuple: several when tied).
        recommended: The arm whose failures are described.
        min_leaf: Fewest worlds in a rule's region (default: 5% of the worlds, at least 3).

    Returns:
        The rules (regions where the arm is not best in most worlds), largest coverage first;
        empty when the arm is best in every world (or in none: nothing to separate).
    """
    from sklearn.tree import DecisionTreeClassifier

    best = best.reindex(values.index).dropna()
    x = values.loc[best.index].to_numpy(dtype=float)
    flipped = np.array([recommended not in b for b in best])
    winner = pd.Series([b[0] if b else "" for b in best], index=best.index)
    total = int(flipped.sum())
    if total == 0 or total == len(flipped):
        return []
    leaf = min_leaf or max(3, round(0.05 * len(x)))
    tree = DecisionTreeClassifier(max_depth=MAX_DEPTH, min_samples_leaf=leaf, random_state=0)
    tree.fit(x, flipped)
    t = tree.tree_
    leaves = tree.apply(x)
    below = {}  # node -> mask of the worlds in its subtree

    def mask(node: int) -> np.ndarray:
        if node not in below:
            if t.children_left[node] == -1:
                below[node] = leaves == node
            else:
                below[node] = mask(t.children_left[node]) | mask(t.children_right[node])
        return below[node]

    def mostly_flipped(node: int) -> bool:
        # a node all of whose leaves are mostly "not best" is one region, not several
        if t.children_left[node] == -1:
            m = mask(node)
            return 2 * int(flipped[m].sum()) > int(m.sum())
        return mostly_flipped(t.children_left[node]) and mostly_flipped(t.children_right[node])

    rules: list[FlipRule] = []

    def walk(node: int, conds: tuple[tuple[str, str, float], ...]) -> None:
        if mostly_flipped(node):
            m = mask(node)
            n_flip = int(flipped[m].sum())
            wins = winner[m & flipped].value_counts()
            rules.append(FlipRule(conds, int(m.sum()), n_flip, n_flip / total,
                                  tuple((str(a), int(n)) for a, n in wins.items())))
            return
        if t.children_left[node] == -1:
            return
        name, thr = str(values.columns[t.feature[node]]), float(t.threshold[node])
        walk(t.children_left[node], (*conds, (name, "<", thr)))
        walk(t.children_right[node], (*conds, (name, ">=", thr)))

    walk(0, ())
    return sorted(rules, key=lambda r: (-r.coverage, -r.density))


def numeric_values(world_values: dict[str, dict[str, object]]) -> pd.DataFrame:
    """Worlds × parameters from each world's values, numeric parameters only."""
    frame = pd.DataFrame.from_dict(world_values, orient="index")
    keep = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
            and not pd.api.types.is_bool_dtype(frame[c]) and frame[c].nunique() > 1]
    return frame[keep].astype(float) if keep else pd.DataFrame(index=frame.index)
