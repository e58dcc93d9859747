"""The model: offices and queues, cases, residents, routes, streams and records."""

# Before any module of the model imports Mesa: leave Mesa's grids and networks unloaded.
from pilotsim.sim import lean_mesa as _lean_mesa

_lean_mesa.install()
