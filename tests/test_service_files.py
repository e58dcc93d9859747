"""A service catalogue from files (services=from_files): the example equals the shipped default
catalogue; every bad file stops before the run naming the file, row and column."""

import pytest

from pilotsim.app import api
from pilotsim.spec import RunSpec
from pilotsim.spec.service_files import ServiceFileError

from .test_district_files import EXAMPLE, _copy, _drop_column, _edit, assert_located


def _spec(folder, *extra):
    return RunSpec.from_config(api.compose(
        ["services=from_files", f"services.path={folder}", *extra]))


def test_example_tables_are_the_default_catalogue():
    files = _spec(EXAMPLE)
    default = RunSpec.from_config(api.compose([]))
    assert files.services.path == str(EXAMPLE)
    assert files.services.catalogue == default.services.catalogue
    assert files.services.documents == default.services.documents
    steps = files.services.catalogue["business_licence"].steps
    assert [s.department for s in steps] == ["housing", "market_regulation"]
    assert steps[0].issues == ("premises_certificate",) and steps[0].relayable


def test_example_runs_from_files_alone():
    cfg = api.compose(["city=from_files", f"city.path={EXAMPLE}", "services=from_files",
                       f"services.path={EXAMPLE}", "sim.days=30"])
    result = api.run(cfg)
    assert set(result.cases["service"].unique()) <= set(RunSpec.from_config(cfg)
                                                        .services.catalogue)
    assert len(result.cases) > 300


BAD = [  # (edit, file, row, column, words of the expectation)
    (lambda f: _drop_column(f, "steps.csv", "service_min"), "steps.csv", 1, "service_min",
     "is missing"),
    (lambda f: _edit(f, "steps.csv", 3, "service", "elderly_alowance"), "steps.csv", 3,
     "service", "a service named in services.csv"),
    (lambda f: _edit(f, "steps.csv", 5, "step", "3"), "steps.csv", 5, "step",
     "without gaps or repeats"),
    (lambda f: _edit(f, "steps.csv", 2, "requires", "id_card;hukou"), "steps.csv", 2,
     "requires", "a document named in documents.csv"),
    (lambda f: _edit(f, "steps.csv", 13, "requires", "id_card;residence_certificate"),
     "steps.csv", 13, "requires", "issued by an earlier step"),
    (lambda f: _edit(f, "steps.csv", 6, "service_min", "0"), "steps.csv", 6, "service_min",
     "> 0"),
    (lambda f: _edit(f, "steps.csv", 7, "service_dist", "gamma"), "steps.csv", 7,
     "service_dist", "one of exponential"),
    (lambda f: _edit(f, "steps.csv", 8, "processing_days", "two"), "steps.csv", 8,
     "processing_days", "a whole number of days"),
    (lambda f: _edit(f, "services.csv", 1, "demand_disabled", "demand_pensioner"),
     "services.csv", 1, "demand_pensioner", "a profile under behaviour.profiles"),
    (lambda f: _edit(f, "services.csv", 3, "demand_migrant_worker", "-0.6"), "services.csv", 3,
     "demand_migrant_worker", ">= 0"),
    (lambda f: _edit(f, "services.csv", 4, "online", "app"), "services.csv", 4, "online",
     "one of none, full, collection"),
    (lambda f: _edit(f, "services.csv", 6, "name", "elderly_allowance"), "services.csv", 6,
     "name", "row 2 has it too"),
    (lambda f: _edit(f, "services.csv", 8, "proxy", "sometimes"), "services.csv", 8, "proxy",
     "true or false"),
    (lambda f: _edit(f, "documents.csv", 5, "holdable", "perhaps"), "documents.csv", 5,
     "holdable", "true or false"),
]


@pytest.mark.parametrize(("edit", "file", "row", "column", "expected"), BAD,
                         ids=[f"{b[1]}-{b[3]}-{i}" for i, b in enumerate(BAD)])
def test_bad_file_names_file_row_and_column(tmp_path, edit, file, row, column, expected):
    folder = _copy(tmp_path)
    edit(folder)
    with pytest.raises(ServiceFileError) as err:
        _spec(folder)
    assert_located(err.value, file, row, column, expected)


def test_a_service_without_steps_is_named(tmp_path):
    folder = _copy(tmp_path)
    lines = (folder / "steps.csv").read_text().splitlines()
    (folder / "steps.csv").write_text("\n".join(
        line for line in lines if not line.startswith("residence_registration,")) + "\n")
    with pytest.raises(ServiceFileError, match=r"services\.csv, row 3, column name"):
        _spec(folder)
