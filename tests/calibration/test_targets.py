"""The targets CSV: read as written; every row the run cannot be held against is an error
naming file, row and column (exit 2 from the command), before anything is computed."""

from pathlib import Path

import pytest

from pilotsim.analysis.calibration import cli as targets_cli
from pilotsim.analysis.calibration.targets import TargetsError, read_targets

from .conftest import KPIS

HEADER = "measure,group,period,value,n,se\n"


def _write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "targets.csv"
    path.write_text(header + "".join(r + "\n" for r in rows))
    return path


def test_example_targets_read_as_written(riverside_spec):
    targets = read_targets(KPIS, riverside_spec)
    assert len(targets) == 15
    t = targets[4]
    assert (t.row, t.measure, t.group_type, t.group_name) == (6, "trips_per_case", "community",
                                                              "harbour")
    assert (t.first_day, t.last_day, t.days, t.n, t.se) == (60, 364, 305, None, 0.08)
    assert targets[0].n == 2000 and targets[0].se is None
    assert targets[-1].group == "office:south_police_station"


BAD = [  # (row, column, expected words)
    ("waiting_time,all,all,20,100,", "measure", "one of the measures"),
    ("wait_mean_min,floor:2,all,20,100,", "group", "TYPE:NAME"),
    ("wait_mean_min,office:town_hall,all,20,100,", "group", "one of the run's office names"),
    ("one_trip_share,office:market_bureau,all,0.6,100,", "group", "a case is not at one office"),
    ("share_satisfied,profile:pensioner,all,0.6,100,", "group", "one of the run's profile names"),
    ("one_trip_share,all,all,0.6,-50,", "n", "a sample size >= 1"),
    ("one_trip_share,all,all,0.6,0,", "n", "a sample size >= 1"),
    ("one_trip_share,all,all,0.6,,0", "se", "a standard error > 0"),
    ("one_trip_share,all,all,58,100,", "value", "fraction in [0, 1]"),
    ("one_trip_share,all,all,,100,", "value", "the cell is empty"),
    ("one_trip_share,all,all,0.6,,", "n", "a sample size n or a standard error se"),
    ("one_trip_share,all,0-400,0.6,100,", "period", "the last day is 364"),
    ("one_trip_share,all,2024,0.6,100,", "period", "FIRST-LAST"),
    ("one_trip_share,all,90-30,0.6,100,", "period", "FIRST-LAST"),
    ("online_share,service:housing_repair_permit,all,0.1,100,", "measure",
     "no service in this group can be done online"),
    ("cases_per_month,all,all,many,,", "value", "a number"),
]


@pytest.mark.parametrize(("line", "column", "expected"), BAD, ids=[b[0] for b in BAD])
def test_bad_target_names_file_row_and_column(tmp_path, riverside_spec, line, column, expected):
    path = _write(tmp_path, "wait_mean_min,all,all,20,100,", line)
    with pytest.raises(TargetsError) as err:
        read_targets(path, riverside_spec)
    e = err.value
    assert (e.file, e.row, e.column) == (str(path), 3, column), str(e)
    assert expected in e.expected
    assert f"targets.csv, row 3, column {column}" in str(e)


def test_duplicate_and_missing_columns(tmp_path, riverside_spec):
    path = _write(tmp_path, "wait_mean_min,all,all,20,100,", "abandonment_rate,all,all,0.1,50,",
                  "wait_mean_min,all,all,21,90,")
    with pytest.raises(TargetsError, match="row 4, column measure") as err:
        read_targets(path, riverside_spec)
    assert "row 2 has the same" in err.value.expected
    path = _write(tmp_path, "wait_mean_min,all,all,20", header="measure,group,period,value\n")
    with pytest.raises(TargetsError, match="row 1, column n") as err:
        read_targets(path, riverside_spec)
    path = _write(tmp_path, "wait_mean_min,all,20,100", header="measure,period,value,n\n")
    with pytest.raises(TargetsError, match="row 1, column group"):
        read_targets(path, riverside_spec)


def test_cli_exits_2_naming_the_row(tmp_path, generating_run, capsys):
    # the command's entry point in this process; test_shipped_kpis_are_the_generating_runs_
    # figures runs it as a real process (python -m), as the example's README does
    _, folder = generating_run
    path = _write(tmp_path, "wait_mean_min,all,all,20,100,", "one_trip_share,all,all,0.6,-5,")
    assert targets_cli.main([str(path), str(folder)]) == 2
    out, err = capsys.readouterr()
    assert "targets.csv, row 3, column n = '-5'" in err
    assert out == ""
    assert targets_cli.main([str(KPIS), str(tmp_path)]) == 2
    assert "expected a complete run folder" in capsys.readouterr().err
