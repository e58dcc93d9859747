"""What a pilot design is: an assignment rule from the world's sites to a rollout schedule.

A design is a plug-in, like a reform: one class (subclass :class:`Design`), one line in
:data:`pilotsim.plugins.pilots.registry.DESIGNS`, one option in ``conf/pilot/``
(docs/pilots.md, "How to add a design"). It reads its parameters from the run's
:class:`~pilotsim.spec.pilot_designs.PilotSpec` (``sites``, ``waves``, ...), checks the ones
it uses, and draws only from the ``pilot_sites`` stream it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    from pilotsim.spec.pilot_designs import PilotSpec

Schedule = dict[str, int | None]  # site → the day the reforms reach it, or None (never)


class Design:
    """A pilot design: which sites get the reforms, and from which day.

    Subclasses implement :meth:`assign`, and :meth:`check` and :meth:`validate` for the
    parameters they use; the class attributes say how the rest of pilotsim treats the design.

    Attributes:
        pilot: The run's pilot spec (the design's parameters).
        uses_start_day: Whether ``pilot.start_day`` is a day of the run (checked to fall in it).
        boosted: Whether the sites it treats are a watched pilot, where the pilot boost
            (``pilot.boost``) applies; False for worlds without a pilot (none, everywhere).
        staggered: Whether its sites start on different days (pilot studies then estimate
            with a staggered-adoption estimator).
    """

    uses_start_day: ClassVar[bool] = True
    boosted: ClassVar[bool] = True
    staggered: ClassVar[bool] = False

    def __init__(self, pilot: PilotSpec) -> None:
        self.pilot = pilot

    def check(self) -> None:
        """Check the design's own parameters alone, when the spec is built (default: none).

        Raises:
            SpecError: naming the key relative to ``pilot`` (``site_names``), the value and
                what was expected.
        """

    def validate(self, units: Mapping[str, float], days: int) -> None:
        """Check the design against the world (default: nothing beyond PilotSpec's checks).

        Args:
            units: Site name → readiness, in the world's order.
            days: Length of the run.

        Raises:
            SpecError: naming the key (``pilot.sites``), the value and what was expected.
        """

    def assign(self, units: Mapping[str, float], gen: np.random.Generator) -> Schedule:
        """The schedule: a start day (or None) for every site.

        Args:
            units: Site name → readiness, in the world's order.
            gen: The ``pilot_sites`` stream (the only randomness a design may use).

        Returns:
            Site → start day or None, for every site; an empty dict keeps each reform's own
            scope and start day (``as_configured``).
        """
        raise NotImplementedError
