"""A case's next visit is planned from when the previous one ended, not from when it began.

A two-step tandem at an office open around the clock (the erlang_c world with a second, short
step): arrivals late in the evening wait past midnight, and the follow-up visit is planned for
the next day with its arrival crowded towards midnight (arrival_skew 6), so a plan made from
the first visit's arrival day would often start the second visit before the first service
ended (191 of 20,053 visits did, planned that way). None may.
"""

from tests.conftest import run

TANDEM = (
    "+scenario=erlang_c", "sim.days=60", "city.offices.office.counters=2",
    "services.catalogue.visit.demand_per_year.resident=7",
    "services.catalogue.visit.steps=[{department: desk, service_time: {dist: exponential, "
    "mean: 15}}, {department: desk, service_time: {dist: exponential, mean: 1}}]",
    "+behaviour.profiles.resident.delay_days_mean=1", "+behaviour.visits.arrival_skew=6",
)


def test_no_visit_of_a_case_starts_before_its_previous_one_ended():
    visits = run(*TANDEM).visits.sort_values(["case_id", "arrival_min"])
    ended = visits["arrival_min"] + visits["wait_min"] + visits["service_min"]
    previous_end = ended.groupby(visits["case_id"]).shift()
    follow_ups = previous_end.notna()
    # the scenario does what it is for: many follow-ups, some after a wait past midnight
    assert follow_ups.sum() > 5_000
    assert ((ended // 1440) > (visits["arrival_min"] // 1440))[~follow_ups].sum() > 100
    assert (visits["arrival_min"][follow_ups] >= previous_end[follow_ups]).all()
