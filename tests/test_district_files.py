"""A district from a planner's files (city=from_files): the example loads and runs; every bad
file stops before the run with an error naming the file, row and column."""

import csv
import json
import math
import shutil
from pathlib import Path

import pytest
from pyproj import Geod

from pilotsim.app import api
from pilotsim.spec import RunSpec
from pilotsim.spec.district_files import DistrictFileError, read_district

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "riverside"


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "district"
    shutil.copytree(EXAMPLE, folder)
    return folder


def _edit(folder: Path, file: str, row: int, column: str, value: str) -> None:
    """Set one cell (row counted as a spreadsheet does: header = 1)."""
    path = folder / file
    with path.open(newline="") as f:
        lines = list(csv.reader(f))
    if column not in lines[0]:
        lines[0].append(column)
        for cells in lines[1:]:
            cells.append("")
    lines[row - 1][lines[0].index(column)] = value
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(lines)


def _drop_column(folder: Path, file: str, column: str) -> None:
    path = folder / file
    with path.open(newline="") as f:
        lines = list(csv.reader(f))
    i = lines[0].index(column)
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([c[:i] + c[i + 1:] for c in lines])


def assert_located(e: DistrictFileError, file: str, row: int, column: str, expected: str):
    """The error names the file, row and column, and says what was expected."""
    assert (Path(e.file).name, e.row, e.column) == (file, row, column), str(e)
    assert expected in e.expected
    assert f"{file}, row {row}, column {column}" in str(e)


def test_example_district_loads_with_true_distances():
    city = read_district(EXAMPLE)
    assert city["districts"] == ["north", "south"]
    assert len(city["communities"]) == 6 and len(city["offices"]) == 7
    assert city["offices"]["housing_and_disability_bureau"]["departments"] == [
        "housing", "disabled_persons"]
    assert city["offices"]["market_bureau"]["hours"]["sat"] == ["09:00-12:00"]
    assert "sun" not in city["offices"]["market_bureau"]["hours"]
    assert city["organisations"]["old_town_committee"]["functions"] == ["information",
                                                                         "precheck"]
    # km between two communities (lon/lat columns) and an office (a GeoJSON point) agree with
    # the geodesic distance on the WGS84 ellipsoid
    geod = Geod(ellps="WGS84")
    feature = {f["properties"]["name"]: f["geometry"]["coordinates"] for f in
               json.loads((EXAMPLE / "locations.geojson").read_text())["features"]}
    pairs = [((113.1210, 23.0420), (113.1530, 23.0300), "old_town", "orchard", "communities"),
             ((113.1210, 23.0420), tuple(feature["market_bureau"]), "old_town", "market_bureau",
              "offices")]
    for (lon1, lat1), (lon2, lat2), a, b, group in pairs:
        true_km = geod.inv(lon1, lat1, lon2, lat2)[2] / 1000
        loc_b = city[group][b]["location"]
        assert math.dist(city["communities"][a]["location"], loc_b) == pytest.approx(
            true_km, rel=1e-4)


def test_example_district_runs_through_the_config_group():
    cfg = api.compose(["city=from_files", f"city.path={EXAMPLE}", "sim.days=40"])
    spec = RunSpec.from_config(cfg)
    assert spec.city.path == str(EXAMPLE)
    assert sum(c.population for c in spec.city.communities.values()) == 15_900
    result = api.run(cfg)
    assert set(result.cases["community"].unique()) == set(spec.city.communities)
    assert set(result.visits["office"].unique()) <= set(spec.city.offices)
    assert (result.visits["outcome"] == "served").sum() > 500


def test_km_locations_are_used_as_given_and_polygons_by_their_centroid(tmp_path):
    folder = _copy(tmp_path)
    (folder / "locations.geojson").unlink()
    with (folder / "communities.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    for i, r in enumerate(rows):
        r["x_km"], r["y_km"] = str(i), str(2 * i)
        del r["lon"], r["lat"]
    with (folder / "communities.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    for i in range(2, 9):
        _edit(folder, "offices.csv", i, "x_km", "1.5")
        _edit(folder, "offices.csv", i, "y_km", "0.5")
    city = read_district(folder)
    assert city["communities"]["market_street"]["location"] == [1.0, 2.0]
    assert city["offices"]["market_bureau"]["location"] == [1.5, 0.5]

    # degrees again, with a community given as a polygon: its centroid, in km
    folder = _copy(tmp_path / "poly")
    square = [[113.12, 23.04], [113.13, 23.04], [113.13, 23.05], [113.12, 23.05], [113.12, 23.04]]
    geo = json.loads((folder / "locations.geojson").read_text())
    geo["features"].append({"type": "Feature", "properties": {"name": "old_town"},
                            "geometry": {"type": "Polygon", "coordinates": [square]}})
    (folder / "locations.geojson").write_text(json.dumps(geo))
    _edit(folder, "communities.csv", 2, "lon", "")
    _edit(folder, "communities.csv", 2, "lat", "")
    city = read_district(folder)
    geod = Geod(ellps="WGS84")
    # the square's centre to orchard's point, against the geodesic distance
    true_km = geod.inv(113.125, 23.045, 113.1530, 23.0300)[2] / 1000
    got = math.dist(city["communities"]["old_town"]["location"],
                    city["communities"]["orchard"]["location"])
    assert got == pytest.approx(true_km, rel=1e-3)


BAD = [  # (edit, file, row, column, words of the expectation)
    (lambda f: _drop_column(f, "communities.csv", "population"), "communities.csv", 1,
     "population", "is missing"),
    (lambda f: _drop_column(f, "offices.csv", "counters"), "offices.csv", 1, "counters",
     "is missing"),
    (lambda f: _edit(f, "offices.csv", 4, "departments", "civil_affairs;tax"), "offices.csv", 4,
     "departments", "a department of the service catalogue"),
    (lambda f: _edit(f, "communities.csv", 3, "share_elderly", "0.5"), "communities.csv", 3,
     "share_elderly, share_working_adult, share_entrepreneur, share_migrant_worker, "
     "share_disabled", "sum to 1"),
    (lambda f: _edit(f, "offices.csv", 3, "tue", "9am-5pm"), "offices.csv", 3, "tue",
     "'HH:MM-HH:MM'"),
    (lambda f: _edit(f, "offices.csv", 5, "wed", "14:00-12:00"), "offices.csv", 5, "wed",
     "ends after it starts"),
    (lambda f: _edit(f, "communities.csv", 5, "name", "old_town"), "communities.csv", 5, "name",
     "row 2 has it too"),
    (lambda f: _edit(f, "organisations.csv", 4, "name", "old_town_committee"),
     "organisations.csv", 4, "name", "row 2 has it too"),
    (lambda f: _edit(f, "communities.csv", 1, "share_elderly", "share_pensioner"),
     "communities.csv", 1, "share_pensioner", "a profile under behaviour.profiles"),
    (lambda f: _edit(f, "communities.csv", 6, "population", "2,600"), "communities.csv", 6,
     "population", "a whole number"),
    (lambda f: _edit(f, "offices.csv", 2, "counters", "0"), "offices.csv", 2, "counters",
     ">= 1"),
    (lambda f: _edit(f, "organisations.csv", 3, "community", "old town"), "organisations.csv",
     3, "community", "a community named in communities.csv"),
    (lambda f: _edit(f, "organisations.csv", 2, "functions", "information;advice"),
     "organisations.csv", 2, "functions", "functions among"),
    (lambda f: _edit(f, "communities.csv", 4, "readiness", "high"), "communities.csv", 4,
     "readiness", "a number in [0, 1]"),
    (lambda f: _edit(f, "communities.csv", 7, "lat", "113.15"), "communities.csv", 7, "lat",
     "latitude in [-90, 90]"),
    (lambda f: (_edit(f, "communities.csv", 3, "lon", "23.045"),
                _edit(f, "communities.csv", 3, "lat", "89.1")),
     "communities.csv", 3, "lon", "swapped"),
    (lambda f: (_edit(f, "communities.csv", 2, "lon", ""), _edit(f, "communities.csv", 2, "lat",
                                                                  "")),
     "communities.csv", 2, "x_km", "a location"),
    (lambda f: (_edit(f, "communities.csv", 2, "x_km", "1.0"),
                _edit(f, "communities.csv", 2, "y_km", "2.0"),
                _edit(f, "communities.csv", 2, "lon", ""), _edit(f, "communities.csv", 2, "lat",
                                                                 "")),
     "communities.csv", 3, "lon", "the same kind of location"),
    (lambda f: _edit(f, "offices.csv", 1, "error_rate", "errors"), "offices.csv", 1, "errors",
     "one of the columns"),
    (lambda f: _edit(f, "offices.csv", 7, "wait_info", "maybe"), "offices.csv", 7, "wait_info",
     "true or false"),
]


@pytest.mark.parametrize(("edit", "file", "row", "column", "expected"), BAD,
                         ids=[f"{b[1]}-{b[3]}-{i}" for i, b in enumerate(BAD)])
def test_bad_file_names_file_row_and_column(tmp_path, edit, file, row, column, expected):
    folder = _copy(tmp_path)
    edit(folder)
    with pytest.raises(DistrictFileError) as err:
        RunSpec.from_config(api.compose(["city=from_files", f"city.path={folder}"]))
    assert_located(err.value, file, row, column, expected)


def test_bad_geojson_names_the_feature(tmp_path):
    folder = _copy(tmp_path)
    geo = json.loads((folder / "locations.geojson").read_text())
    geo["features"][2]["geometry"] = {"type": "LineString", "coordinates": [[113.1, 23.0],
                                                                            [113.2, 23.1]]}
    (folder / "locations.geojson").write_text(json.dumps(geo))
    with pytest.raises(DistrictFileError) as err:
        read_district(folder)
    assert (err.value.unit, err.value.row, err.value.column) == ("feature", 3, "geometry.type")
    geo = json.loads((EXAMPLE / "locations.geojson").read_text())
    geo["features"].append({"type": "Feature", "properties": {"name": "town_hall"},
                            "geometry": {"type": "Point", "coordinates": [113.13, 23.03]}})
    (folder / "locations.geojson").write_text(json.dumps(geo))
    with pytest.raises(DistrictFileError, match=r"feature 8, column properties\.name"):
        read_district(folder)


def test_cli_exits_2_before_the_run_naming_file_row_column(tmp_path, pilotsim_main, capsys,
                                                           monkeypatch):
    # the command's entry point in this process (see the pilotsim_main fixture)
    monkeypatch.chdir(tmp_path)
    folder = _copy(tmp_path)
    _edit(folder, "offices.csv", 3, "mon", "09:00-12:00 14:00-17:60")
    out = tmp_path / "run"
    code = pilotsim_main("city=from_files", f"city.path={folder}", f"hydra.run.dir={out}")
    assert code == 2
    assert "offices.csv, row 3, column mon = '09:00-12:00 14:00-17:60'" in capsys.readouterr().err
    assert not (out / "metadata.json").exists()


def test_sweep_refuses_a_bad_district_before_any_run(tmp_path, pilotsim_main, capsys,
                                                     monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = _copy(tmp_path)
    _edit(folder, "communities.csv", 4, "population", "")
    sweep = tmp_path / "sweep"
    code = pilotsim_main("-m", "city=from_files", f"city.path={folder}", "seed=0,1",
                         f"hydra.sweep.dir={sweep}")
    assert code == 2
    assert "communities.csv, row 4, column population = ''" in capsys.readouterr().err
    assert not sweep.exists()


def test_an_edited_file_is_read_again(tmp_path):
    folder = _copy(tmp_path)
    overrides = ["city=from_files", f"city.path={folder}"]
    assert RunSpec.from_config(api.compose(overrides)).city.offices["market_bureau"].counters == 1
    _edit(folder, "offices.csv", 7, "counters", "12")
    assert RunSpec.from_config(api.compose(overrides)).city.offices["market_bureau"].counters == 12
    _edit(folder, "offices.csv", 7, "counters", "-3")
    with pytest.raises(DistrictFileError, match="row 7, column counters"):
        RunSpec.from_config(api.compose(overrides))
