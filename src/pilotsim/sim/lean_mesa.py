"""Import Mesa without the parts pilotsim does not use: its grids, networks and legacy space.

``import mesa`` runs Mesa's package ``__init__``, which imports every subpackage: the discrete
spaces (SciPy's ``spatial`` for a KD-tree, NetworkX for network grids), the experimental
package (continuous space, SciPy again) and the legacy ``mesa.space`` (NetworkX). A
``PilotModel`` is a ``mesa.Model`` with ``mesa.Agent`` offices and organisations and uses none
of them, yet they were ~0.4 s of every run's start-up (``python -X importtime``).

:func:`install` defers those subpackages: the import system still finds and creates their
module objects (``mesa.discrete_space`` exists, with its ``__file__`` and ``__path__``), but
their code runs on first use of one of their names — ``mesa.discrete_space.OrthogonalMooreGrid``
or ``from mesa.discrete_space import Cell`` loads the package then, as a plain import would
have. Their submodules that Mesa's core imports directly (``mesa.experimental.mesa_signals``)
load as usual. The dashboard, which draws grids, loads what it uses the same way.

One more start-up cost is Mesa's own: ``mesa.model`` names its logger with
``mesa_logging.create_module_logger()``, which finds the calling module with
``inspect.stack()`` — source context for every frame of the import stack and a scan of every
loaded module's file (0.07–0.16 s, more the more modules are loaded). :func:`_quick_logger`
gives the same name from the caller's frame; it replaces that function as
``mesa.mesa_logging`` is loaded, before ``mesa.model`` calls it. Its ``method_logger``, which
decorates ``Model.__init__``, names the class with ``inspect.getouterframes()`` (source lines
of every frame again, ~0.1 s): :func:`_quick_method_logger` reads the caller's frame instead.

And ``mesa/__init__.py`` imports ``batch_run`` by name, so ``mesa.batchrunner`` loads, and
with it ``from tqdm.auto import tqdm``: tqdm's notebook detection and its ``asyncio`` variant
(``asyncio`` itself), ~0.035 CPU s of every run for a progress bar pilotsim never draws.
``mesa.batchrunner`` runs as usual but for that name, which becomes :func:`_tqdm_on_call`:
``batch_run`` imports ``tqdm.auto`` when it makes its progress bar.

Mesa's ``mesa.agent`` (for ``isinstance`` checks in ``create_agents``/``from_dataframe``), its
``DataCollector`` and the experimental data recorders that ``mesa.model`` loads import pandas
at their top: ~0.2-0.3 CPU s that the ``pilotsim`` command, which makes no DataFrame, need not
pay. They run with a stand-in for ``pandas`` (:class:`_OnFirstUse`): the first name looked up
in it imports pandas.

Installed when :mod:`pilotsim.sim` is imported, i.e. before any module of the model imports
Mesa; if Mesa is already imported (a notebook that imported it first), nothing changes.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
import types
from collections.abc import Callable, Sequence
from typing import Any

DEFERRED: tuple[str, ...] = ("mesa.discrete_space", "mesa.experimental", "mesa.space")
"""Mesa's subpackages imported by ``mesa/__init__.py`` as modules (``import mesa.x as x``),
whose code waits for first use."""

PATCHED = "mesa.mesa_logging"
"""The Mesa module whose ``create_module_logger`` is given :func:`_quick_logger`'s shortcut."""

BATCHRUNNER = "mesa.batchrunner"
"""The Mesa module whose ``tqdm`` is imported on first call (:func:`_tqdm_on_call`)."""

_lock = threading.RLock()  # one thread runs a deferred module's code; others wait for it


class _Deferred(types.ModuleType):
    """A module whose code has not run yet; looking up a name it lacks runs it."""

    def __getattr__(self, name: str) -> object:
        with _lock:
            if type(self) is _Deferred:  # not run by another thread meanwhile
                spec = self.__spec__
                self.__class__ = types.ModuleType
                spec.loader = spec.loader_state  # the module's own loader, for reloads
                spec.loader_state = None
                spec.loader.exec_module(self)
        return getattr(self, name)  # raises AttributeError as usual if still missing


class _WrappingLoader(importlib.abc.Loader):
    """Creates the module as its own loader would; subclasses change how its code runs."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self.loader.create_module(spec)


class _DeferringLoader(_WrappingLoader):
    """Leaves the module's code for later (:class:`_Deferred`)."""

    def exec_module(self, module: types.ModuleType) -> None:
        module.__spec__.loader_state = self.loader
        module.__class__ = _Deferred


def _quick_logger(create: Callable[..., Any]) -> Callable[..., Any]:
    """``create_module_logger`` naming the caller's module from its frame, not a stack walk."""

    @functools.wraps(create)
    def create_module_logger(name: str | None = None) -> Any:
        if name is None:
            # the module whose code called us: what inspect.getmodule(stack()[1]) finds
            name = sys._getframe(1).f_globals.get("__name__")
        return create(name)

    return create_module_logger


def _quick_method_logger(get_logger: Callable[[str], Any]) -> Callable[[str], Any]:
    """``method_logger`` naming the decorated method's class from the caller's frame.

    Mesa's finds it with ``inspect.getouterframes()``, which reads the source lines of every
    frame of the import stack; the class body calling the decorator is the frame just above.
    The wrapper logs what Mesa's logs.
    """

    def method_logger(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        logger = get_logger(name)
        classname = sys._getframe(1).f_code.co_name

        def real_decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(func)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                logger.debug(f"calling {classname}.{func.__name__} with {args[1::]} and {kwargs}")
                return func(*args, **kwargs)

            return wrapper

        return real_decorator

    return method_logger


class _PatchingLoader(_WrappingLoader):
    """Runs the module as its own loader would, then gives it the two logging shortcuts."""

    def exec_module(self, module: types.ModuleType) -> None:
        self.loader.exec_module(module)
        module.__spec__.loader = self.loader
        create = getattr(module, "create_module_logger", None)
        if callable(create):
            module.create_module_logger = _quick_logger(create)
        get_logger = getattr(module, "get_module_logger", None)
        if callable(get_logger) and callable(getattr(module, "method_logger", None)):
            module.method_logger = _quick_method_logger(get_logger)


def _tqdm_on_call(*args: Any, **kwargs: Any) -> Any:
    """``tqdm.auto.tqdm(*args, **kwargs)``, imported when first called."""
    from tqdm.auto import tqdm

    return tqdm(*args, **kwargs)


class _OnFirstUse(types.ModuleType):
    """Stands for a module not imported yet: the first name looked up in it imports it."""

    def __getattr__(self, name: str) -> object:
        if sys.modules.get(self.__name__) is self:  # looked up while still standing in
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def _tqdm_auto() -> types.ModuleType:
    stand_in = types.ModuleType("tqdm.auto")
    stand_in.tqdm = _tqdm_on_call
    return stand_in


STAND_INS: dict[str, dict[str, Callable[[], types.ModuleType]]] = {
    BATCHRUNNER: {"tqdm.auto": _tqdm_auto},
    **{name: {"pandas": functools.partial(_OnFirstUse, "pandas")} for name in (
        "mesa.agent", "mesa.datacollection",
        "mesa.experimental.data_collection.basedatarecorder",
        "mesa.experimental.data_collection.datarecorders")},
}
"""Mesa's modules run with stand-ins for modules they import: module → name → stand-in."""


class _StandInLoader(_WrappingLoader):
    """Runs the module with the stand-ins :data:`STAND_INS` gives it in ``sys.modules``."""

    def exec_module(self, module: types.ModuleType) -> None:
        # The import system takes a module found in sys.modules as imported (its parent
        # package too): a stand-in there answers the module's import, and leaves before
        # anything else can import it.
        placed = {name: make() for name, make in STAND_INS[module.__name__].items()
                  if name not in sys.modules}
        sys.modules.update(placed)
        try:
            self.loader.exec_module(module)
        finally:
            for name, stand_in in placed.items():
                if sys.modules.get(name) is stand_in:
                    del sys.modules[name]
        module.__spec__.loader = self.loader


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the deferred modules and Mesa's logging (once each) and gives them our loaders."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = {*names, PATCHED, *STAND_INS}

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if name not in self.names:
            return None
        self.names.discard(name)  # the real finder below answers from here on
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is None or spec.loader is None:
            return None
        loader = (_PatchingLoader if name == PATCHED else
                  _StandInLoader if name in STAND_INS else _DeferringLoader)
        spec.loader = loader(spec.loader)
        return spec


def install(names: Sequence[str] = DEFERRED) -> None:
    """Defer ``names`` if Mesa has not been imported yet (idempotent)."""
    if "mesa" in sys.modules or any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder(names))
