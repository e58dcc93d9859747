"""Pilot studies (designs beside the reform nowhere and everywhere), their reports, forecasts.

The designs themselves are spec (:mod:`pilotsim.spec.pilot_designs`); what a design does in a
run is a plug-in (:mod:`pilotsim.plugins.pilots`).
"""
