"""Pilot designs at run time: the rollout schedule and the pilot-site boost."""
