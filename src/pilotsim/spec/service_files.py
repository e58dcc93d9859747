"""A service catalogue from a planner's files: services, their steps and documents as CSV.

``services=from_files services.path=DIR`` reads (the layout is in the README, "… model your own
district"):

    DIR/services.csv    name, label, online, proxy, demand_<profile> …   one row per service
    DIR/steps.csv       service, step, department, service_min, …        one row per step
    DIR/documents.csv   name, label, holdable                            one row per document

The tables become the same plain config data as ``conf/services/*.yaml``; like the district
files (:mod:`pilotsim.spec.district_files`), every problem stops the run before anything is built,
with a :class:`ServiceFileError` naming the file, the row, the column, the value and what was
expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pilotsim.spec import Document, Services, Step
from pilotsim.spec import csvfiles as cf
from pilotsim.spec.csvfiles import FileError
from pilotsim.spec.schema import SpecError, build

SERVICES = "services.csv"
STEPS = "steps.csv"
DOCUMENTS = "documents.csv"
PARTS = ("catalogue", "documents")
"""What :func:`services_part` can return: the keys of a ``services`` config a folder provides."""

DEMAND_PREFIX = "demand_"
_ONLINE = ("none", "full", "collection")
_DISTS = ("exponential", "lognormal", "fixed")


class ServiceFileError(FileError):
    """A service file that cannot become part of the catalogue (names file, row and column)."""


def _documents(folder: Path) -> dict[str, Any]:
    table = cf.read_table(folder / DOCUMENTS, ["name"], ["label", "holdable"],
                          error_type=ServiceFileError)
    cf.unique_names(table)
    out = {}
    for number, row in table.rows:
        data = {"label": row.get("label") or row["name"],
                "holdable": cf.cell(table, number, row, "holdable", cf.boolean,
                                    "true or false", default=True)}
        build(Document, data)
        out[row["name"]] = data
    return out


def _services(folder: Path, profiles: Sequence[str] | None) -> tuple[cf.Table, dict[str, Any]]:
    table = cf.read_table(folder / SERVICES, ["name"], ["label", "online", "proxy"],
                          lambda c: c.startswith(DEMAND_PREFIX) and len(c) > len(DEMAND_PREFIX),
                          error_type=ServiceFileError)
    demand_cols = cf.prefixed_columns(table, DEMAND_PREFIX, profiles, "needs per resident-year")
    cf.unique_names(table)
    out = {}
    for number, row in table.rows:
        online = row.get("online") or "none"
        if online not in _ONLINE:
            raise table.error(number, "online", online, "one of " + ", ".join(_ONLINE))
        demand = {col[len(DEMAND_PREFIX):]: cf.cell(table, number, row, col, cf.number,
                                                    "needs per resident-year >= 0", default=0.0)
                  for col in demand_cols}
        for col in demand_cols:
            if demand[col[len(DEMAND_PREFIX):]] < 0:
                raise table.error(number, col, row[col], "needs per resident-year >= 0")
        out[row["name"]] = {
            "label": row.get("label") or row["name"], "online": online,
            "proxy": cf.cell(table, number, row, "proxy", cf.boolean, "true or false",
                             default=False),
            "demand_per_year": {p: v for p, v in demand.items() if v > 0},
            "steps": [],
        }
    return table, out


def _steps(folder: Path, services: dict[str, Any], service_rows: dict[str, int],
           service_table: cf.Table, documents: dict[str, Any]) -> None:
    """Add each service's steps, in order, checking documents flow from step to step."""
    table = cf.read_table(folder / STEPS, ["service", "step", "department", "service_min"],
                          ["service_dist", "service_cv", "requires", "issues",
                           "processing_days", "relayable"], error_type=ServiceFileError)
    rows_of: dict[str, list[tuple[int, int, dict[str, str]]]] = {}
    for number, row in table.rows:
        if row["service"] not in services:
            raise table.error(number, "service", row["service"],
                              f"a service named in {SERVICES}: " + ", ".join(services))
        order = cf.cell(table, number, row, "step", cf.integer, "a step number 1, 2, …")
        rows_of.setdefault(row["service"], []).append((order, number, row))
    for name, number in service_rows.items():
        if name not in rows_of:
            raise service_table.error(number, "name", name, f"a service with steps in {STEPS}")
    for name, steps in rows_of.items():
        steps.sort(key=lambda s: s[0])
        obtained: set[str] = set()
        for i, (order, number, row) in enumerate(steps, start=1):
            if order != i:
                raise table.error(number, "step", row["step"],
                                  f"step numbers 1, 2, … without gaps or repeats for {name} "
                                  f"(step {i} expected)")
            if not row["department"]:
                raise table.error(number, "department", "", "a department (the cell is empty)")
            step = _step(table, number, row)
            for col in ("requires", "issues"):
                for d in step[col]:
                    if d not in documents:
                        raise table.error(number, col, d,
                                          f"a document named in {DOCUMENTS}: "
                                          + ", ".join(documents))
            for d in step["requires"]:
                if not documents[d]["holdable"] and d not in obtained:
                    raise table.error(number, "requires", d,
                                      "a document residents can hold, or one issued by an "
                                      f"earlier step of {name} (no earlier step issues it and "
                                      f"{DOCUMENTS} says holdable: false)")
            obtained.update(step["issues"])
            services[name]["steps"].append(step)


def _step(table: cf.Table, number: int, row: dict[str, str]) -> dict[str, Any]:
    dist = row.get("service_dist") or "lognormal"
    if dist not in _DISTS:
        raise table.error(number, "service_dist", dist, "one of " + ", ".join(_DISTS))
    data = {
        "department": row["department"],
        "service_time": {
            "dist": dist,
            "mean": cf.cell(table, number, row, "service_min", cf.number,
                            "mean minutes at the counter > 0"),
            "cv": cf.cell(table, number, row, "service_cv", cf.number,
                          "a coefficient of variation > 0", default=0.5)},
        "requires": cf.split_list(row.get("requires", "")),
        "issues": cf.split_list(row.get("issues", "")),
        "processing_days": cf.cell(table, number, row, "processing_days", cf.integer,
                                   "a whole number of days >= 0", default=0),
        "relayable": cf.cell(table, number, row, "relayable", cf.boolean, "true or false",
                             default=False),
    }
    try:
        build(Step, data)
    except SpecError as e:
        column = {"service_time.mean": "service_min", "service_time.cv": "service_cv"}.get(
            e.key, e.key.partition(".")[0])
        raise table.error(number, column, e.value, e.expected) from None
    return data


def read_services(folder: str | Path, *, profiles: Sequence[str] | None = None
                  ) -> dict[str, Any]:
    """Read a service folder into plain ``services`` config data.

    Args:
        folder: The folder holding ``services.csv``, ``steps.csv`` and ``documents.csv``.
        profiles: Resident profiles of the behaviour config; a ``demand_<profile>`` column
            naming another one is an error. None: not checked here.

    Returns:
        ``{"catalogue", "documents"}`` in the form of ``conf/services/*.yaml``.

    Raises:
        ServiceFileError: naming the file, row, column, value and what was expected.
    """
    path = Path(folder)
    if not path.is_dir():
        raise ServiceFileError("services.path", None, None, str(folder),
                               f"a folder holding {SERVICES}, {STEPS} and {DOCUMENTS}; "
                               f"there is none at {path.resolve()}")
    documents = _documents(path)
    service_table, services = _services(path, profiles)
    rows = {row["name"]: number for number, row in service_table.rows}
    _steps(path, services, rows, service_table, documents)
    build(Services, {"catalogue": services, "documents": documents})  # checked above; a bug if not
    return {"catalogue": services, "documents": documents}


def services_part(path: str, part: str, *, _root_: Any = None) -> Any:
    """``${pilotsim.service_files:PATH,PART}``: one part of the catalogue read from a folder."""
    if part not in PARTS:
        raise SpecError("services", part, "one of " + ", ".join(PARTS))
    behaviour = _root_.get("behaviour") if hasattr(_root_, "get") else None
    profiles = ([str(p) for p in behaviour.profiles]
                if behaviour is not None and behaviour.get("profiles") is not None else None)
    return cf.read_folder_cached(read_services, path, (SERVICES, STEPS, DOCUMENTS),
                                 profiles=None if profiles is None else tuple(profiles))[part]
