"""What a case has due on a day of the model's agenda.

The agenda maps a day to entries ``(Due, case, arg)``, handled in the order they were added.
``arg`` is a float whose meaning depends on the kind, documented on each member below.
"""

from __future__ import annotations

from enum import IntEnum


class Due(IntEnum):
    """The kind of an agenda entry (an IntEnum: the engine may keep them in integer arrays)."""

    VISIT = 0  # go to an office; arg: the arrival minute of the run, or -1 (drawn on the day)
    ADVANCE = 1  # processing days are over: plan the next step; arg unused (0)
    ONLINE = 2  # an online application's answer: steps before arg are done; with its effort
    REMOTE = 3  # a relay's answer: steps before arg are done; no effort of the resident's
    PROXY = 4  # the organisation submits the next step for the resident; arg unused (0)
