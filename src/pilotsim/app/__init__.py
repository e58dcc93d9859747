"""The public faces: Python API, CLI, sweeps, dashboard."""
