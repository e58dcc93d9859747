"""Reforms change the model only through Levers, and docs/reforms.md lists exactly Levers (#13).

Three locks, each tested here:

* statically, no reform module (nor the pilot boost) can write model state another way: it
  imports none of the model's stateful modules, touches no private attribute of anything but
  itself, assigns attributes only on ``self``, assigns items and calls mutating methods only
  on ``self`` or on containers it built itself, and uses no ``setattr``/``getattr`` escape;
* at run time the levers hand out nothing mutable, and the levers ``setup`` gets refuse every
  change;
* the "only these" list in docs/reforms.md is the set of public ``Levers`` members, both ways.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
from pathlib import Path
from types import MappingProxyType

import pytest

import pilotsim.plugins.reforms
from pilotsim.app import api
from pilotsim.plugins import runner
from pilotsim.plugins.pilots import boost
from pilotsim.sim.distributions import ServiceTime
from pilotsim.sim.levers import Levers, OfficeView, OrganisationView, ServiceView, StepView
from pilotsim.sim.model import PilotModel, ServiceRuntime, StepRuntime
from pilotsim.spec import RunSpec

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = [*sorted(Path(pilotsim.plugins.reforms.__file__).parent.glob("*.py")),
           Path(boost.__file__)]

# modules that hold the running model's state: a plug-in that imports them could reach it
STATEFUL = {"pilotsim.sim.model", "pilotsim.sim.agents", "pilotsim.sim.routes",
            "pilotsim.sim.population", "pilotsim.sim.cases", "pilotsim.sim.background",
            "pilotsim.sim.queueing", "pilotsim.sim.records",
            "gc", "inspect", "ctypes", "importlib", "sys"}
ESCAPES = {"setattr", "delattr", "vars", "globals", "locals", "eval", "exec", "compile",
           "__import__"}
MUTATORS = {"append", "extend", "insert", "remove", "pop", "popitem", "clear", "add",
            "discard", "update", "setdefault", "sort", "reverse", "fill", "put", "resize",
            "itemset", "intersection_update", "difference_update",
            "symmetric_difference_update", "__setitem__", "__delitem__", "__setattr__"}
# calls that return a new container the function owns (it may fill it)
FRESH_CALLS = {"list", "dict", "set", "sorted", "fromkeys", "copy", "zeros", "ones", "full",
               "empty", "array", "zeros_like", "ones_like", "defaultdict"}


def _root(node: ast.AST) -> str | None:
    """The name an attribute/item/call chain starts from (``a`` in ``a.b[c].d()``)."""
    while True:
        if isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def _fresh(value: ast.AST | None) -> bool:
    """Whether ``value`` builds a new container (a literal, a comprehension, a copy)."""
    if isinstance(value, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp
                  | ast.SetComp):
        return True
    if isinstance(value, ast.BinOp):  # [0.0] * n
        return _fresh(value.left) or _fresh(value.right)
    if isinstance(value, ast.Call):
        f = value.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) \
            else None
        return name in FRESH_CALLS
    return False


def _owned(scope: ast.AST) -> set[str]:
    """Names a function binds only to containers it builds (not parameters, not loop vars)."""
    fresh: set[str] = set()
    other: set[str] = set()
    args = getattr(scope, "args", None)
    if args is not None:
        other.update(a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))
    for node in _walk_scope(scope):
        pairs: list[tuple[ast.AST, ast.AST | None]] = []
        if isinstance(node, ast.Assign):
            pairs = [(t, node.value) for t in node.targets]
        elif isinstance(node, ast.AnnAssign):
            pairs = [(node.target, node.value)]
        elif isinstance(node, ast.For | ast.comprehension):
            pairs = [(node.target, None)]
        elif isinstance(node, ast.NamedExpr):
            pairs = [(node.target, node.value)]
        elif isinstance(node, ast.With):
            pairs = [(i.optional_vars, None) for i in node.items if i.optional_vars]
        for target, value in pairs:
            for n in ast.walk(target):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                    (fresh if isinstance(target, ast.Name) and _fresh(value)
                     else other).add(n.id)
    return fresh - other


def _walk_scope(scope: ast.AST):
    """The nodes of a function body (or module), not those of nested functions."""
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                          | ast.ClassDef):
            todo.extend(ast.iter_child_nodes(node))


def violations(source: str, filename: str = "<plugin>") -> list[str]:
    """Every way ``source`` could change model state other than through Levers."""
    tree = ast.parse(source, filename)
    out: list[str] = []

    def bad(node: ast.AST, why: str) -> None:
        out.append(f"{filename}:{node.lineno}: {why}: {ast.unparse(node)[:80]}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in STATEFUL or a.name in STATEFUL:
                    bad(node, "imports a module holding model state")
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if mod in STATEFUL or any(f"{mod}.{a.name}" in STATEFUL for a in node.names):
                bad(node, "imports a module holding model state")
        elif isinstance(node, ast.Name) and node.id == "PilotModel":
            bad(node, "names the model (plug-ins get Levers)")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not (
                isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
            bad(node, "reaches a private attribute of something other than itself")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            first = node.args[0] if node.args else None
            if node.func.id in ESCAPES or (node.func.id == "getattr" and not (
                    isinstance(first, ast.Name) and first.id == "self")):
                bad(node, "uses a reflective escape hatch")

    scopes = [tree, *(n for n in ast.walk(tree)
                      if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))]
    for scope in scopes:
        owned = _owned(scope) | {"self"}
        for node in _walk_scope(scope):
            targets: list[ast.AST] = []
            if isinstance(node, ast.Assign):
                targets = list(node.targets)
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            elif isinstance(node, ast.Delete):
                targets = list(node.targets)
            for t in targets:
                for el in (t.elts if isinstance(t, ast.Tuple | ast.List) else [t]):
                    if isinstance(el, ast.Attribute) and _root(el) != "self":
                        bad(el, "assigns an attribute of something other than itself")
                    elif isinstance(el, ast.Subscript) and _root(el) not in owned:
                        bad(el, "assigns an item of a container it did not build")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in MUTATORS and _root(node.func.value) not in owned:
                bad(node, "mutates a container it did not build")
    return out


# ------------------------------------------------------------------------------ static


@pytest.mark.parametrize("path", PLUGINS, ids=lambda p: p.name)
def test_plugins_write_model_state_only_through_levers(path: Path) -> None:
    assert violations(path.read_text(), str(path.relative_to(ROOT))) == []


@pytest.mark.parametrize("snippet", [
    "model.proxy_eligible[c, p] = True",
    "def f(levers):\n    o = levers.offices[0]\n    o.error_rate = 0.1",
    "def f(levers):\n    pop = levers.population\n    pop.knowledge += 1",
    "def f(model, c):\n    model.community_shared_documents[c].update({'id'})",
    "def f(model, o):\n    model.walk_in_centres.append(o)",
    "def f(levers):\n    levers.offices[0].restricted_to.add(3)",
    "def f(levers):\n    return levers._Levers__model",
    "def f(view):\n    return view._office",
    "def f(levers):\n    return getattr(levers, '_Levers__model')",
    "def f(o):\n    setattr(o, 'error_rate', 0.0)",
    "from pilotsim.sim.model import PilotModel",
    "import pilotsim.sim.agents",
    "from pilotsim.sim import model",
    "def f(shares, c):\n    shares[c] = 1.0",
    "def f(levers):\n    del levers.offices[0].departments",
])
def test_the_check_catches_direct_writes(snippet: str) -> None:
    assert violations(snippet), snippet


@pytest.mark.parametrize("snippet", [
    "def f(self, levers):\n    self.offices = []\n    self.offices.append(1)\n"
    "    self._undo[3] = 2",
    "def f(levers):\n    out = [0.0] * 3\n    out[1] += 1\n    users = {}\n"
    "    users.setdefault(1, set()).add(2)\n    levers.set_counters(0, 2)",
    "def f(self, k):\n    return getattr(self, k)",
    "def f(levers):\n    seen: dict[int, int] = {}\n    seen[1] = levers.day",
])
def test_the_check_allows_own_state_and_levers(snippet: str) -> None:
    assert violations(snippet) == []


# ----------------------------------------------------------------------------- runtime


@pytest.fixture(scope="module")
def model() -> PilotModel:
    """A short run with a pilot centre (an opened office open to some communities, walk-ins),
    a committee proxy and shared documents, stopped after the start day."""
    spec = RunSpec.from_config(api.compose([
        "sim.days=12", "sim.sample_fraction=0.05", "seed=2", "pilot=random",
        "pilot.start_day=3", "reform=[one_door,community_proxy,data_sharing]",
        "reform.one_door.level=community", "reform.one_door.serve_outsiders=true"]))
    m = runner.build_model(spec)
    for _ in range(5):
        m.step()
    return m


def _immutable(value: object, depth: int = 0) -> bool:
    """Whether ``value`` (and everything reachable from it) cannot be changed in place."""
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, tuple | frozenset):
        return all(_immutable(v, depth + 1) for v in value)
    if isinstance(value, MappingProxyType):
        return all(_immutable(k) and _immutable(v, depth + 1) for k, v in value.items())
    if isinstance(value, OfficeView | OrganisationView):
        return all(_immutable(getattr(value, n), depth + 1) for n in _public(type(value))
                   if isinstance(inspect.getattr_static(type(value), n), property))
    if isinstance(value, ServiceTime):
        return True  # handed out as copies (see test_snapshots_are_copies)
    if dataclasses.is_dataclass(value):  # the spec: frozen dataclasses of read-only maps
        return type(value).__dataclass_params__.frozen  # type: ignore[attr-defined]
    return False


def _public(cls: type) -> list[str]:
    return [n for n in dir(cls) if not n.startswith("_")]


def _queries(levers: Levers) -> dict[str, object]:
    """Every query's answer (methods called with a community, office or service)."""
    service = levers.spec.services.catalogue
    return {
        "spec": levers.spec, "day": levers.day, "community_names": levers.community_names,
        "profile_names": levers.profile_names, "office_index": levers.office_index,
        "offices": levers.offices, "preferred_offices": levers.preferred_offices,
        "organisation": tuple(levers.organisation(c)
                              for c in range(len(levers.community_names))),
        "service": tuple(levers.service(c, s) for c in range(len(levers.community_names))
                         for s in service),
        "right_office": levers.right_office(0, next(iter(service.values())).steps[0].department),
    }


def test_levers_hand_out_nothing_mutable(model: PilotModel) -> None:
    levers = model.levers
    assert not hasattr(levers, "__dict__")  # slots only: nothing to hang the model on
    answers = _queries(levers)
    assert set(answers) == QUERIES
    for name, value in answers.items():
        assert _immutable(value), name
    with pytest.raises(AttributeError):
        levers.day = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        levers.offices[0].error_rate = 0.0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        delattr(levers.offices[0], "_office")  # a view cannot be emptied and refilled
    org = next(o for o in answers["organisation"] if o is not None)  # type: ignore[union-attr]
    with pytest.raises(AttributeError):
        org.staff_min_per_day = 1e9


def test_snapshots_are_copies(model: PilotModel) -> None:
    levers = model.levers
    st = levers.service(0, model.service_names[0]).steps[0].service_time
    before = model.service(0, model.service_names[0]).steps[0].service_time.mean
    st.mean = -1.0
    assert model.service(0, model.service_names[0]).steps[0].service_time.mean == before
    other = levers.offices[0].other_service
    other.mean = -1.0
    assert model.offices[0].other_service.mean != -1.0


def test_views_are_live(model: PilotModel) -> None:
    levers = model.levers
    centre = next(o for o in levers.offices if o.name.startswith("one_door_"))
    assert centre.integrated and centre.restricted_to
    assert centre in levers.offices  # the same view, not one per call
    assert model.offices[centre.index] in model.walk_in_centres


def test_step_and_service_views_mirror_the_runtime() -> None:
    # the snapshot must carry every quantity the model reads (a field added to the runtime
    # needs its read-only twin)
    assert StepView._fields == tuple(f.name for f in dataclasses.fields(StepRuntime))
    assert ServiceView._fields == tuple(f.name for f in dataclasses.fields(ServiceRuntime))


QUERIES = {"spec", "day", "community_names", "profile_names", "office_index", "offices",
           "preferred_offices", "organisation", "service", "right_office"}


def _change_methods() -> set[str]:
    return set(_public(Levers)) - QUERIES


def test_setup_levers_refuse_every_change(model: PilotModel) -> None:
    looking = Levers(model, changes=False)
    for name in sorted(_change_methods()):
        method = getattr(looking, name)
        params = inspect.signature(method).parameters.values()
        args = [None for p in params if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
        kwargs = {p.name: None for p in params if p.default is p.empty and p.kind is p.KEYWORD_ONLY}
        with pytest.raises(RuntimeError, match="must not change the model in setup"):
            method(*args, **kwargs)


def test_setup_gets_levers_that_refuse_changes() -> None:
    class Greedy:
        start_day = 1

        def setup(self, levers: Levers) -> None:
            levers.set_error_rate(0, 1.0)

        def start(self, levers: Levers) -> None:
            pass

        def daily(self, levers: Levers, day: int) -> None:
            pass

    spec = RunSpec.from_config(api.compose(["sim.days=2", "sim.sample_fraction=0.05"]))
    with pytest.raises(RuntimeError, match="must not change the model in setup"):
        PilotModel(spec, interventions=[Greedy()])


# -------------------------------------------------------------------------------- docs


def _docs_list() -> dict[str, set[str]]:
    """docs/reforms.md's "only these" section: its sub-heading → the names listed under it."""
    text = (ROOT / "docs" / "reforms.md").read_text()
    section = re.search(r"^## What a reform may read and change.*?(?=^## )", text,
                        re.S | re.M)
    assert section, "docs/reforms.md lost its section 'What a reform may read and change'"
    out: dict[str, set[str]] = {}
    heading = ""
    for line in section.group(0).splitlines():
        if line.startswith("### "):
            heading = line[4:].strip()
            out[heading] = set()
        elif m := re.match(r"- `(\w+)", line):
            out[heading].add(m.group(1))
    return out


def test_docs_list_is_exactly_the_levers() -> None:
    docs = _docs_list()
    assert set(docs) == {"Queries", "Changes (only these)"}
    assert docs["Queries"] == QUERIES
    assert docs["Changes (only these)"] == _change_methods()
    assert docs["Queries"] | docs["Changes (only these)"] == set(_public(Levers))
