"""The layers and the no-cycles rule hold (docs/architecture.md): import-linter's contracts.

The contracts are in ``[tool.importlinter]`` of pyproject.toml; this runs them, so that
``./dev.sh pytest`` (what CI runs) fails on an upward import or a cycle.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept() -> None:
    lint = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    done = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
