"""The shipped studies (installed as ``pilotsim.conf.experiment``): ``+experiment=NAME``."""
