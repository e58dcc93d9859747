"""Plug-ins the model is given: reforms and the run-time pilot pieces (layer 3)."""
