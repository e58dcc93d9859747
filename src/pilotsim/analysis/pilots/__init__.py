"""Pilot designs (which sites get a reform when) and pilot studies (estimate vs truth)."""
