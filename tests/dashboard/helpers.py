"""Shared helpers of the dashboard tests."""

from pilotsim.app import api
from pilotsim.app.dashboard.settings import Changes, world_overrides
from pilotsim.app.dashboard.worlds import build_model


def baseline_model(*overrides: str):
    """A model at day 0 built the way the dashboard builds its baseline world."""
    wo = world_overrides(list(overrides), Changes(), api.compose)
    return build_model(api.compose(wo.baseline))
