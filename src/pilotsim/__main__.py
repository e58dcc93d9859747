"""``python -m pilotsim`` is the ``pilotsim`` command."""

from pilotsim.cli import main

main()
