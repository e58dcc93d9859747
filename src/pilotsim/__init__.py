"""pilotsim: try a public-service reform on simulated residents before real ones."""

__version__ = "0.1.0"
