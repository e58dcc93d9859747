"""``python -m pilotsim`` is the ``pilotsim`` command."""

from pilotsim.app.cli import main

main()
