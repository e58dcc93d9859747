"""The public faces: Python API, CLI, sweeps, dashboard (layer 5)."""
