from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import run_composed_once as run

PROFILES = ("elderly", "working_adult", "entrepreneur", "migrant_worker", "disabled")


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), c=st.integers(2, 4))
def test_more_counters_never_lengthen_mean_wait_in_the_pure_queue(seed, c):
    def mean_wait(counters):
        r = run("+scenario=erlang_c", "sim.days=10", f"seed={seed}",
                f"city.offices.office.counters={counters}")
        return r.visits["wait_min"].mean(), r.visits

    w1, v1 = mean_wait(c)
    w2, v2 = mean_wait(c + 1)
    assert len(v1) == len(v2)  # common random numbers: the same arrivals
    assert w2 <= w1 + 1e-9


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_perfect_knowledge_means_no_wrong_office_or_missing_document(seed):
    overrides = [f"behaviour.profiles.{p}.knowledge.mean=1.0" for p in PROFILES]
    r = run("sim.days=40", "sim.sample_fraction=0.1", f"seed={seed}", *overrides)
    outcomes = set(r.visits["outcome"].astype(str))
    assert len(r.visits) > 100
    assert not outcomes & {"wrong_office", "missing_document"}
