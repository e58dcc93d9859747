"""The comparison's error, in a module of its own.

Composing any config imports :mod:`~pilotsim.analysis.comparison.settings` (the ``compare:``
section's defaults), which raises this error; defined beside the run catalogue it would pull
pandas and pyarrow into every composition (``pilotsim --cfg job``), so it lives here.
"""


class ComparisonError(ValueError):
    """A sweep cannot be compared; the message says what was found and what was expected."""
