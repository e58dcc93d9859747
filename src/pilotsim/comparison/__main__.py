"""Allow ``python -m pilotsim.comparison SWEEP_DIR``."""

import sys

from pilotsim.comparison.cli import main

sys.exit(main())
