"""Plug-ins the model is given (reforms, run-time pilot pieces) and the runner building them."""
