"""The ``compare:`` config section: how a sweep's arms are compared and costed.

The section belongs to the comparison, not to a run: it is left out of every run's spec and of
its config hash, so changing it never reruns a sweep (``pilotsim-compare`` rewrites the report
with the new settings from the same run folders).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pilotsim.analysis.comparison.errors import ComparisonError
from pilotsim.spec import plain_config

WARMUP_DAYS = 28
"""Default warm-up: the first four weeks, while queues, residents' knowledge and expectations
move from their starting values to the run's own; cases opened then and visits made then are
left out of every headline measure."""

HORIZON_YEARS = 5.0
"""Default horizon over which a reform's one-off set-up budget is spread (fit-out, IT and
forms are commonly written off over about five years)."""

WARMUP_CAP = 4
"""A warm-up never takes more than a quarter of a run (short runs keep three quarters)."""


@dataclass(frozen=True)
class CompareSettings:
    """Validated ``compare.*`` settings.

    Attributes:
        target_halfwidth: Precision wanted for the 95% CI of each difference: a fraction of
            the reference mean, a mapping ``{metric: half-width}``, or ``None``.
        warmup_days: Days at the start of every run left out of the headline measures.
        horizon_years: Years over which a reform's set-up budget is annualised.
        forecast_members: A pilot study's rollout forecast: worlds in its ensemble, drawn
            from the runs' ``uncertainty:`` priors (0: no forecast;
            :mod:`pilotsim.analysis.pilots.forecast`).
    """

    target_halfwidth: float | Mapping[str, float] | None = None
    warmup_days: int = WARMUP_DAYS
    horizon_years: float = HORIZON_YEARS
    forecast_members: int = 0
    target: Any = field(init=False, repr=False, compare=False)  # paired.Target | None

    def __post_init__(self) -> None:
        w, h = self.warmup_days, self.horizon_years
        if isinstance(w, bool) or not isinstance(w, int) or w < 0:
            raise ComparisonError(f"invalid config: compare.warmup_days = {w!r}: expected an "
                                  "integer >= 0 (days left out at the start of each run)")
        if isinstance(h, bool) or not isinstance(h, int | float) or not h > 0:
            raise ComparisonError(f"invalid config: compare.horizon_years = {h!r}: expected a "
                                  "number > 0 (years over which set-up costs are spread)")
        m = self.forecast_members
        if isinstance(m, bool) or not isinstance(m, int) or not (m == 0 or m >= 10):
            raise ComparisonError(f"invalid config: compare.forecast_members = {m!r}: expected "
                                  "0 (no rollout forecast) or an integer >= 10 (worlds in the "
                                  "forecast's ensemble)")
        target = None if self.target_halfwidth is None else self._target()
        object.__setattr__(self, "horizon_years", float(h))
        object.__setattr__(self, "target", target)

    def _target(self) -> Any:
        # imported here: paired needs the metrics, which need these settings; and only for a
        # target, since a sweep validates its settings before any run and paired pulls in
        # pandas, SciPy's statistics and DuckDB (~1 s of serial start-up)
        from pilotsim.analysis.comparison.paired import Target

        try:
            return Target.parse(self.target_halfwidth)
        except (ComparisonError, TypeError, ValueError) as e:
            raise ComparisonError(f"invalid config: compare.target_halfwidth = "
                                  f"{self.target_halfwidth!r}: {e}; expected a positive "
                                  "fraction (0.05) or {metric: half-width}") from None

    @classmethod
    def from_config(cls, section: Any) -> CompareSettings:
        """Validate a ``compare:`` config section (a mapping or DictConfig; None: defaults).

        Raises:
            ComparisonError: naming the key, the value and what was expected.
        """
        if section is None:
            return cls()
        if not isinstance(section, Mapping):  # a DictConfig is a Mapping
            raise ComparisonError(f"invalid config: compare = {section!r}: expected a mapping "
                                  "with keys target_halfwidth, warmup_days, horizon_years")
        section = plain_config(section)
        known = ("target_halfwidth", "warmup_days", "horizon_years", "forecast_members")
        for key in section:
            if key not in known:
                raise ComparisonError(f"invalid config: compare.{key} = {section[key]!r}: "
                                      f"expected one of the keys {', '.join(known)}")
        return cls(**{k: section[k] for k in known if k in section})

    def warmup_for(self, days: int | None) -> int:
        """The warm-up applied to a run of ``days`` days (at most a quarter of the run)."""
        if days is None:
            return self.warmup_days
        return min(self.warmup_days, int(days) // WARMUP_CAP)
