"""Allow ``python -m pilotsim.analysis.comparison SWEEP_DIR``."""

import sys

from pilotsim.analysis.comparison.cli import main

sys.exit(main())
