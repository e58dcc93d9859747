"""A district from a planner's files: communities, offices and organisations as CSV tables.

``city=from_files city.path=DIR`` reads a folder of tables a planner keeps anyway (the layout is
in the README, "… model your own district"):

    DIR/communities.csv     name, district, population, location, readiness, share_<profile> …
    DIR/offices.csv         name, departments, counters, location, mon … sun, error_rate, …
    DIR/organisations.csv   name, community, staff_min_per_day, functions   (optional file)
    DIR/locations.geojson   points or polygons named like the rows above     (optional file)

A location is ``x_km``/``y_km`` (a local grid), ``lon``/``lat`` (WGS84 degrees) or a feature
of ``locations.geojson`` with the row's name (a point, or a polygon whose centroid is used).
Degrees are projected to kilometres with pyproj (a transverse Mercator centred on the
district's south-west corner, so distances are true to well under 0.1 % across a city); the
two kinds cannot be mixed, since a local grid has no known place on the globe.

The tables become the same plain config data as ``conf/city/*.yaml``, so the run's resolved
config (``config.yaml`` in the run folder) holds the district itself, and its hash changes
when a file does. Every problem stops the run before anything is built, with a
:class:`DistrictFileError` that names the file, the row (counted as a spreadsheet shows it:
the header is row 1), the column, the value and what was expected.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pilotsim.spec import ORGANISATION_FUNCTIONS, Community, Office, Organisation
from pilotsim.spec import csvfiles as cf
from pilotsim.spec.csvfiles import FileError
from pilotsim.spec.hours import WEEKDAYS, parse_hours
from pilotsim.spec.schema import SpecError, build

COMMUNITIES = "communities.csv"
OFFICES = "offices.csv"
ORGANISATIONS = "organisations.csv"
LOCATIONS = "locations.geojson"

PARTS = ("name", "districts", "communities", "offices", "organisations")
"""What :func:`city_part` can return: the keys of a ``city`` config a folder provides."""

SHARE_PREFIX = "share_"
_LOCATION_COLUMNS = ("x_km", "y_km", "lon", "lat")
_HOURS_SPLIT = re.compile(r"[;,\s]+")
_MAX_SPAN_KM = 500.0  # wider than any district: degrees that spread further are a mistake


class DistrictFileError(FileError):
    """A district file that cannot become part of a city (names file, row and column)."""


# ------------------------------------------------------------------------------------ locations


@dataclass(frozen=True)
class _Place:
    """Where a row says it is, before projection."""

    kind: str  # "km" or "degrees"
    file: str
    row: int
    column: str
    unit: str
    coords: Any  # (x, y) km; (lon, lat) degrees; or a shapely geometry in degrees


def _row_place(table: cf.Table, number: int, row: Mapping[str, str]) -> _Place | None:
    """The location a CSV row gives itself, if any (x_km/y_km or lon/lat)."""
    given = {c: row.get(c, "") for c in _LOCATION_COLUMNS}
    for a, b, kind in (("x_km", "y_km", "km"), ("lon", "lat", "degrees")):
        if given[a] or given[b]:
            x = cf.cell(table, number, row, a, cf.number, "a number")
            y = cf.cell(table, number, row, b, cf.number, "a number")
            other = ("lon", "lat") if kind == "km" else ("x_km", "y_km")
            if any(given[c] for c in other):
                raise table.error(number, other[0], given[other[0]],
                                  f"one location per row ({a}/{b} is given too)")
            if kind == "degrees":
                if not -180 <= x <= 180:
                    raise table.error(number, "lon", x, "a longitude in [-180, 180] degrees")
                if not -90 <= y <= 90:
                    raise table.error(number, "lat", y, "a latitude in [-90, 90] degrees")
            return _Place(kind, table.file, number, a, "row", (x, y))
    return None


def _read_geojson(path: Path) -> dict[str, _Place]:
    """Name → place of each feature of a GeoJSON file (RFC 7946: WGS84 lon/lat)."""
    from shapely.geometry import shape  # imported here: only folders with GeoJSON need it

    file = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DistrictFileError(file, None, None, None, f"a GeoJSON file ({e})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise DistrictFileError(file, None, "type", data.get("type") if isinstance(data, dict)
                                else data, "a GeoJSON FeatureCollection")
    places: dict[str, _Place] = {}
    for i, feature in enumerate(data.get("features") or [], start=1):

        def error(column: str, value: Any, expected: str, i: int = i) -> DistrictFileError:
            return DistrictFileError(file, i, column, value, expected, unit="feature")

        props = feature.get("properties") or {}
        name = props.get("name")
        if not isinstance(name, str) or not name.strip():
            raise error("properties.name", name, "the name of a community or office")
        name = name.strip()
        if name in places:
            raise error("properties.name", name,
                        f"a name used once (feature {places[name].row} has it too)")
        geometry = feature.get("geometry") or {}
        kind = geometry.get("type")
        if kind not in ("Point", "Polygon", "MultiPolygon"):
            raise error("geometry.type", kind, "Point, Polygon or MultiPolygon")
        try:
            geom = shape(geometry)
        except Exception as e:  # shapely raises several types for malformed coordinates
            raise error("geometry.coordinates", geometry.get("coordinates"),
                        f"coordinates of a {kind} ({e})") from None
        min_lon, min_lat, max_lon, max_lat = geom.bounds
        if geom.is_empty or not (-180 <= min_lon <= max_lon <= 180
                                 and -90 <= min_lat <= max_lat <= 90):
            raise error("geometry.coordinates", geometry.get("coordinates"),
                        "[longitude, latitude] pairs in degrees (GeoJSON's order)")
        places[name] = _Place("degrees", file, i, "geometry", "feature", geom)
    return places


def _project(places: Mapping[str, _Place]) -> dict[str, tuple[float, float]]:
    """Name → (x, y) km; degrees go through a transverse Mercator at the district's corner."""
    kinds = {p.kind for p in places.values()}
    if len(kinds) > 1:
        first = next(iter(places.values()))
        odd = next(p for p in places.values() if p.kind != first.kind)
        raise DistrictFileError(
            odd.file, odd.row, odd.column, odd.kind,
            f"the same kind of location as {first.file} {first.unit} {first.row} "
            f"({first.kind}): a district uses x_km/y_km throughout, or degrees (lon/lat "
            "columns, locations.geojson) throughout", unit=odd.unit)
    if kinds != {"degrees"}:
        return {n: (float(p.coords[0]), float(p.coords[1])) for n, p in places.items()}

    import numpy as np
    import shapely
    from pyproj import Geod, Transformer
    from shapely.geometry import Point

    geoms = {n: p.coords if hasattr(p.coords, "bounds") else Point(*p.coords)
             for n, p in places.items()}
    # A place far from the others (longitude and latitude swapped, a typo in a degree) would
    # stretch the whole map: measure each from the median place before projecting.
    names = list(geoms)
    lons = np.array([geoms[n].representative_point().x for n in names])
    lats = np.array([geoms[n].representative_point().y for n in names])
    far = Geod(ellps="WGS84").inv(lons, lats, np.full_like(lons, np.median(lons)),
                                  np.full_like(lats, np.median(lats)))[2] / 1000
    if far.max() > _MAX_SPAN_KM:
        name = names[int(far.argmax())]
        p = places[name]
        raise DistrictFileError(
            p.file, p.row, p.column, name,
            f"a place within {_MAX_SPAN_KM:.0f} km of the rest of the district (it lies "
            f"{far.max():,.0f} km from the middle of the others: longitude and latitude "
            "swapped?)", unit=p.unit)
    lon0 = min(g.bounds[0] for g in geoms.values())
    lat0 = min(g.bounds[1] for g in geoms.values())
    to_km = Transformer.from_crs(
        "EPSG:4326", f"+proj=tmerc +lat_0={lat0} +lon_0={lon0} +k=1 +x_0=0 +y_0=0 "
        "+ellps=WGS84 +units=km", always_xy=True)
    out = {}
    for name, geom in geoms.items():
        centre = shapely.transform(geom, to_km.transform, interleaved=False).centroid
        x, y = float(centre.x), float(centre.y)
        out[name] = (round(x, 4), round(y, 4))
    return out


def _locate(tables: Iterable[tuple[cf.Table, Mapping[str, int]]],
            features: Mapping[str, _Place], feature_file: str | None
            ) -> dict[str, tuple[float, float]]:
    """Name → (x, y) km for every row of the given tables."""
    places: dict[str, _Place] = {}
    for table, _ in tables:
        for number, row in table.rows:
            place = _row_place(table, number, row) or features.get(row["name"])
            if place is None:
                where = f" or a feature named {row['name']!r} in {feature_file}" \
                    if feature_file else f" (or a feature with its name in {LOCATIONS})"
                raise table.error(number, "x_km", "",
                                  "a location: x_km and y_km, or lon and lat" + where)
            places[row["name"]] = place
    for name, place in features.items():
        if name not in places:
            raise DistrictFileError(place.file, place.row, "properties.name", name,
                                    f"the name of a row of {COMMUNITIES} or {OFFICES}",
                                    unit="feature")
    return _project(places)


# --------------------------------------------------------------------------------------- tables


def _spec_error(table: cf.Table, number: int, e: SpecError,
                column_of: Callable[[str], str]) -> DistrictFileError:
    """Re-address a spec class's error (``profile_mix``, ``hours.mon``) to a file's column."""
    return table.error(number, column_of(e.key), e.value, e.expected)


def _communities(folder: Path, profiles: Sequence[str] | None) -> tuple[cf.Table, dict[str, int]]:
    table = cf.read_table(folder / COMMUNITIES, ["name", "district", "population"],
                        ["readiness", *_LOCATION_COLUMNS],
                        lambda c: c.startswith(SHARE_PREFIX) and len(c) > len(SHARE_PREFIX),
                        DistrictFileError)
    cf.prefixed_columns(table, SHARE_PREFIX, profiles, "the share of residents")
    return table, cf.unique_names(table)


def _community(table: cf.Table, number: int, row: Mapping[str, str],
               location: tuple[float, float]) -> dict[str, Any]:
    mix = {col[len(SHARE_PREFIX):]: cf.cell(table, number, row, col, cf.number, "a share in [0, 1]",
                                          default=0.0)
           for col in table.columns if col.startswith(SHARE_PREFIX)}
    data = {
        "district": row["district"] or None,
        "population": cf.cell(table, number, row, "population", cf.integer, "a whole number"),
        "location": list(location),
        "profile_mix": mix,
        "readiness": cf.cell(table, number, row, "readiness", cf.number, "a number in [0, 1]",
                           default=0.5),
    }
    if data["district"] is None:
        raise table.error(number, "district", "", "a district name (the cell is empty)")

    def column_of(key: str) -> str:
        head, _, rest = key.partition(".")
        if head == "profile_mix":
            return SHARE_PREFIX + rest if rest else ", ".join(
                c for c in table.columns if c.startswith(SHARE_PREFIX))
        return head

    try:
        build(Community, data)
    except SpecError as e:
        raise _spec_error(table, number, e, column_of) from None
    return data


def _offices(folder: Path) -> tuple[cf.Table, dict[str, int]]:
    table = cf.read_table(folder / OFFICES, ["name", "departments", "counters"],
                        [*_LOCATION_COLUMNS, *WEEKDAYS, "error_rate", "wait_info",
                         "other_visits_per_day"], error_type=DistrictFileError)
    if not any(d in table.columns for d in WEEKDAYS):
        raise table.error(1, "mon … sun", table.columns,
                          "a column of opening hours per weekday (mon, tue, … sun)")
    return table, cf.unique_names(table)


def _office(table: cf.Table, number: int, row: Mapping[str, str], location: tuple[float, float],
            departments: Sequence[str] | None) -> dict[str, Any]:
    names = cf.split_list(row["departments"])
    if not names:
        raise table.error(number, "departments", row["departments"],
                          "one or more departments, separated by ';'")
    if departments is not None:
        for d in names:
            if d not in departments:
                raise table.error(number, "departments", d,
                                  "a department of the service catalogue: "
                                  + ", ".join(departments))
    hours = {}
    for day in WEEKDAYS:
        intervals = [t for t in _HOURS_SPLIT.split(row.get(day, "")) if t]
        try:
            parse_hours(intervals, day)
        except SpecError as e:
            raise table.error(number, day, row[day], f"{e.expected}; several intervals "
                              "separated by spaces or ';', e.g. '09:00-12:00 14:00-17:30'; "
                              "an empty cell: closed") from None
        if intervals:
            hours[day] = intervals
    data: dict[str, Any] = {
        "departments": names,
        "location": list(location),
        "counters": cf.cell(table, number, row, "counters", cf.integer, "a whole number >= 1"),
        "hours": hours,
    }
    for col, parse, expected in (("error_rate", cf.number, "a probability in [0, 1]"),
                                 ("wait_info", cf.boolean, "true or false"),
                                 ("other_visits_per_day", cf.number, "a number >= 0")):
        if row.get(col, ""):
            data[col] = cf.cell(table, number, row, col, parse, expected)
    try:
        build(Office, data)
    except SpecError as e:
        key = e.key.partition(".")[0] if e.key != "hours" else ", ".join(WEEKDAYS)
        raise _spec_error(table, number, e, lambda _k: key) from None
    return data


def _organisations(folder: Path, communities: Mapping[str, int]) -> dict[str, Any]:
    path = folder / ORGANISATIONS
    if not path.exists():
        return {}
    table = cf.read_table(path, ["name", "community", "staff_min_per_day"], ["functions"],
                          error_type=DistrictFileError)
    cf.unique_names(table)
    out = {}
    for number, row in table.rows:
        if row["community"] not in communities:
            raise table.error(number, "community", row["community"],
                              f"a community named in {COMMUNITIES}: " + ", ".join(communities))
        functions = cf.split_list(row.get("functions", ""))
        for f in functions:
            if f not in ORGANISATION_FUNCTIONS:
                raise table.error(number, "functions", f,
                                  "functions among " + ", ".join(ORGANISATION_FUNCTIONS)
                                  + ", separated by ';'")
        data = {"community": row["community"],
                "staff_min_per_day": cf.cell(table, number, row, "staff_min_per_day", cf.number,
                                           "a number of minutes >= 0"),
                "functions": functions}
        try:
            build(Organisation, data)
        except SpecError as e:
            raise _spec_error(table, number, e, lambda k: k.partition(".")[0]) from None
        out[row["name"]] = data
    return out


def read_district(folder: str | Path, *, departments: Sequence[str] | None = None,
                  profiles: Sequence[str] | None = None) -> dict[str, Any]:
    """Read a district folder into plain ``city`` config data.

    Args:
        folder: The folder holding ``communities.csv``, ``offices.csv`` and optionally
            ``organisations.csv`` and ``locations.geojson``.
        departments: Departments the service catalogue uses; an office naming another one is
            an error (a typo would otherwise leave a department without an office). None: not
            checked here.
        profiles: Resident profiles of the behaviour config; a ``share_<profile>`` column
            naming another one is an error. None: not checked here.

    Returns:
        ``{"name", "districts", "communities", "offices", "organisations"}`` in the form of
        ``conf/city/*.yaml`` (locations in km).

    Raises:
        DistrictFileError: naming the file, row, column, value and what was expected.
    """
    path = Path(folder)
    if not path.is_dir():
        # Named by its key, with the folder it looked in: a relative path is read from the
        # working directory, which ./dev.sh sets to the project's.
        raise DistrictFileError("city.path", None, None, str(folder),
                                f"a folder holding {COMMUNITIES} and {OFFICES}; "
                                f"there is none at {path.resolve()}")
    comm_table, communities = _communities(path, profiles)
    office_table, offices = _offices(path)
    both = set(communities) & set(offices)
    if both:
        name = sorted(both)[0]
        raise office_table.error(offices[name], "name", name,
                                 f"a name that is not also a community's in {COMMUNITIES} "
                                 "(locations are matched by name)")
    geo = path / LOCATIONS
    features = _read_geojson(geo) if geo.exists() else {}
    where = _locate([(comm_table, communities), (office_table, offices)], features,
                    str(geo) if geo.exists() else None)
    districts: list[str] = []
    comm_data = {}
    for number, row in comm_table.rows:
        comm_data[row["name"]] = _community(comm_table, number, row, where[row["name"]])
        if row["district"] not in districts:
            districts.append(row["district"])
    office_data = {row["name"]: _office(office_table, number, row, where[row["name"]],
                                        departments)
                   for number, row in office_table.rows}
    return {"name": path.resolve().name, "districts": districts, "communities": comm_data,
            "offices": office_data, "organisations": _organisations(path, communities)}


def _catalogue_names(root: Any) -> tuple[list[str] | None, list[str] | None]:
    """Departments of the composed config's service catalogue, and its resident profiles."""
    get = getattr(root, "get", None)
    if get is None:
        return None, None
    services, behaviour = get("services"), get("behaviour")
    departments = None
    if services is not None and services.get("catalogue") is not None:
        departments = sorted({str(step.get("department"))
                              for s in services.catalogue.values()
                              for step in (s.get("steps") or [])})
    profiles = None
    if behaviour is not None and behaviour.get("profiles") is not None:
        profiles = [str(p) for p in behaviour.profiles]
    return departments, profiles


def city_part(path: str, part: str, *, _root_: Any = None) -> Any:
    """``${pilotsim.district_files:PATH,PART}``: one part of the city read from a folder.

    Used by ``conf/city/from_files.yaml``; the composed config's service catalogue and
    behaviour profiles check the offices' departments and the communities' profile shares.
    """
    if part not in PARTS:
        raise SpecError("city", part, "one of " + ", ".join(PARTS))
    departments, profiles = _catalogue_names(_root_)
    city = cf.read_folder_cached(
        read_district, path, (COMMUNITIES, OFFICES, ORGANISATIONS, LOCATIONS),
        departments=None if departments is None else tuple(departments),
        profiles=None if profiles is None else tuple(profiles))
    return city[part]
