"""The engine hash matrix (``tests/engine_hashes.py``): 16 runs' tables, bit for bit.

Recorded from main before the column engine; every engine change must keep every hash.
``PILOTSIM_REGEN_ENGINE_HASHES=1`` rewrites the file (never in a speed-up commit).
"""

from __future__ import annotations

import json
import os

import pytest

from tests import engine_hashes as eh


@pytest.mark.slow
@pytest.mark.parametrize("name", list(eh.RUNS))
def test_engine_hashes(name: str) -> None:
    if os.environ.get("PILOTSIM_REGEN_ENGINE_HASHES"):
        stored = json.loads(eh.FILE.read_text()) if eh.FILE.exists() else {}
        stored.update(eh.compute([name]))
        eh.FILE.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
        pytest.skip("regenerated")
    want = json.loads(eh.FILE.read_text())[name]
    assert eh.compute([name])[name] == want
