"""The background's group tables: each row gets its group's answer, computed once a group.

``BackgroundDemand._lookup`` keys rows by small-int group columns (``-2`` and up: the ``via``
column's ``NO_VIA``) and keeps the answers until the world changes; ``_service_table`` answers
everything a need's (community, service) decides, the in-person route and the documents to
gather included, from the model's own group-level methods.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from pilotsim.app import api
from pilotsim.plugins.runner import build_model
from pilotsim.sim.background import NO_VIA, BackgroundDemand
from pilotsim.sim.model import PilotModel
from pilotsim.spec import RunSpec


@pytest.fixture(scope="module")
def model() -> PilotModel:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    return build_model(RunSpec.from_config(api.compose(
        ["sim.sample_fraction=0.5", "sim.days=3", "output.write=false"])))


def test_lookup_answers_each_row_by_its_group_once_a_group(model: PilotModel) -> None:
    bg = BackgroundDemand(model)
    calls: list[tuple[int, ...]] = []

    def fn(a: int, b: int, c: int) -> tuple:
        calls.append((a, b, c))
        return a * 100 + b * 10 + c, float(a - c), a > b

    rng = np.random.default_rng(1)
    a = rng.integers(0, 12, 200).astype(np.int32)
    b = rng.integers(NO_VIA, 5, 200).astype(np.int32)  # negative codes are groups too
    c = rng.integers(0, 3000, 200).astype(np.int64)
    for rows in (np.arange(100), np.arange(200)):  # the second call: known and new groups
        got = bg._lookup("t", fn, a[rows], b[rows], c[rows])
        want = [fn(x, y, z) for x, y, z in zip(a[rows].tolist(), b[rows].tolist(),
                                               c[rows].tolist(), strict=True)]
        del calls[-len(want):]
        for j, field in enumerate(got):
            np.testing.assert_array_equal(field, [w[j] for w in want])
    groups = set(zip(a.tolist(), b.tolist(), c.tolist(), strict=True))
    assert sorted(calls) == sorted(groups)  # each group computed exactly once


def test_service_table_has_the_models_route_and_documents(model: PilotModel) -> None:
    bg = BackgroundDemand(model)
    c = np.repeat(np.arange(len(model.community_names), dtype=np.int32),
                  len(model.service_names))
    s = np.tile(np.arange(len(model.service_names), dtype=np.int32), len(model.community_names))
    *_, travel, visits, service, docs = bg._service_table(c, s)
    for i, (ci, si) in enumerate(zip(c.tolist(), s.tolist(), strict=True)):
        rt = model.service(ci, model.service_names[si])
        assert (travel[i], visits[i], service[i]) == model.in_person_route(ci, rt)
        assert docs[i] == model.documents_to_gather(ci, rt)
