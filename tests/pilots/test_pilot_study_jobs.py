"""A pilot study keeps every process busy, whatever its number of seeds.

One job a seed lets a seed's worlds simulate their shared days once
(:mod:`pilotsim.plugins.forking`); with fewer seeds than processes, a seed's worlds are split
between jobs (:func:`pilotsim.analysis.pilots.study.seed_jobs`), and the study is the same.
"""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from pilotsim.analysis.pilots.study import run_pilot_study, seed_jobs

WORLDS = ("none", "everywhere", "random", "readiness", "stepped_wedge")


@pytest.mark.parametrize(("seeds", "processes", "jobs"), [
    ([0], 1, 1), ([0], 2, 2), ([0], 8, 5), ([0, 1, 2], 2, 3), ([0, 1], 4, 4), ([0, 1], 3, 4),
    ([], 2, 0), ([0], 0, 1)])
def test_every_seed_and_world_once_in_order_and_no_process_idle(seeds, processes, jobs):
    got = seed_jobs(["reform=one_door"], seeds, WORLDS, None, processes)
    assert len(got) == jobs
    # the runs come back seed by seed, worlds in order: as one job a seed would return them
    assert [(s, w) for _, s, ws, _ in got for w in ws] == [(s, w) for s in seeds
                                                             for w in WORLDS]
    # parts of a seed differ by at most one world: no process waits on a long part
    for s in seeds:
        sizes = [len(ws) for _, t, ws, _ in got if t == s]
        assert max(sizes) - min(sizes) <= 1
    assert all(o == ["reform=one_door"] for o, *_ in got)


def test_one_seed_on_two_processes_is_the_study_of_one_process(tmp_path):
    overrides = ["reform=one_door", "reform.one_door.level=community", "sim.days=112",
                 "sim.sample_fraction=0.05", "pilot.start_day=56", "pilot.waves=2",
                 "pilot.wave_interval_days=28"]
    designs = ["random", "stepped_wedge"]
    studies = {p: run_pilot_study(overrides, designs=designs, seeds=[3],
                                  out_dir=tmp_path / f"p{p}", processes=p, placebo_reps=0)
               for p in (1, 2)}
    worlds = ("none", "everywhere", *designs)
    for w in worlds:
        folders = {p: tmp_path / f"p{p}" / "runs" / f"{w}_seed3" for p in (1, 2)}
        for name in ("cases", "visits", "site_days"):
            assert pq.read_table(folders[2] / f"{name}.parquet").equals(
                pq.read_table(folders[1] / f"{name}.parquet")), (w, name)
        fork = {p: json.loads((folders[p] / "metadata.json").read_text())["fork"]
                for p in (1, 2)}
        # one process: the four worlds shared their first 56 days; two: each half did
        assert fork[1]["worlds"] == 4 and fork[2]["worlds"] == 2, (w, fork)
        assert fork[1]["day"] == fork[2]["day"] == 56
    assert studies[2].assessment.equals(studies[1].assessment)
    assert studies[2].truth.equals(studies[1].truth)
