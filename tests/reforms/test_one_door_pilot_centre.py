"""A one-door pilot centre for some communities: its capacity, its cost, who goes there."""

import math

import pytest

from pilotsim.spec.hours import WEEKDAYS

from .runs import DAYS, run

PILOT = ("reform=one_door", "reform.one_door.level=community", "reform.one_door.start_day=30",
         "reform.one_door.scope={communities:[east_01,east_02]}")


def open_hours(spec, office, first_day):
    hours = 0.0
    for d in range(first_day, DAYS):
        day = WEEKDAYS[(spec.sim.start_weekday + d) % 7]
        hours += sum(b - a for a, b in office.intervals.get(day, ())) / 60.0
    return hours


def test_a_pilot_centre_gets_new_counters_for_its_share_and_they_are_costed():
    base, door = run(), run(*PILOT)
    spec = door.model.spec
    pop = {n: c.population for n, c in spec.city.communities.items()}
    east = sum(p for n, p in pop.items() if n.startswith("east"))
    mine = pop["east_01"] + pop["east_02"]
    # the east desks serve the east; the district bureaus serve everyone
    desks = sum(o.counters for n, o in spec.city.offices.items() if n.startswith("east_"))
    bureaus = sum(o.counters for n, o in spec.city.offices.items()
                  if n.startswith("district_"))
    expected = math.ceil(desks * mine / east + bureaus * mine / sum(pop.values()))
    centre = next(o for o in door.model.offices if o.name == "one_door_east")
    assert centre.counters == expected
    # the desks keep all of theirs: the centre is new staff, not halved desks
    for o in base.model.offices:
        assert door.model.offices[o.index].counters == o.counters
    cost = door.metadata["reform_costs"]["one_door"]
    assert cost["measured_staff_hours"] == pytest.approx(
        expected * open_hours(spec, centre, 30))


def test_moved_staff_take_whole_counters_from_the_desks():
    door = run(*PILOT, "reform.one_door.centre_staff=moved")
    base = run()
    assert sum(o.counters for o in door.model.offices) == \
        sum(o.counters for o in base.model.offices)
    assert door.metadata["reform_costs"]["one_door"]["measured_staff_hours"] == 0


def test_when_the_whole_district_joins_the_desks_move_in_and_added_counters_go():
    door = run("reform=one_door", "reform.one_door.level=community",
               "reform.one_door.scope={districts:[east]}")
    office = {o.name: o for o in door.model.offices}
    assert all(office[n].counters == 0 and not office[n].departments
               for n in ("east_civil_affairs", "east_police_registry", "east_social_insurance"))
    assert office["one_door_east"].counters >= 6  # the three desks' counters, and a bureau share
    assert door.metadata["reform_costs"]["one_door"]["measured_staff_hours"] == 0


def centre_visits(result, centre="one_door_east"):
    v = result.visits
    v = v[(v["day"] >= 30) & (v["office"].astype(str) == centre)]
    return v, ~v["community"].isin(["east_01", "east_02"])


def test_walk_ins_to_a_centre_fall_as_its_expected_wait_rises():
    roomy = run(*PILOT, "reform.one_door.serve_outsiders=true", "reform.one_door.counters=6")
    tight = run(*PILOT, "reform.one_door.serve_outsiders=true", "reform.one_door.counters=1")
    (v_roomy, out_roomy), (v_tight, out_tight) = centre_visits(roomy), centre_visits(tight)
    assert v_tight["wait_min"].mean() > 2 * v_roomy["wait_min"].mean()
    assert out_roomy.sum() > 100  # outsiders do come when the centre is quick ...
    assert out_tight.sum() < 0.6 * out_roomy.sum()  # ... and far fewer when it is not
    # pilot residents, too, go back to their desks when their centre is swamped
    def pilot_at_desks(r):
        v = r.visits
        return ((v["day"] >= 30) & v["community"].isin(["east_01", "east_02"]) &
                v["office"].astype(str).str.startswith("east_")).sum()
    assert pilot_at_desks(tight) > pilot_at_desks(roomy)


def test_no_walk_ins_unless_the_centre_serves_outsiders():
    door = run(*PILOT)  # serve_outsiders defaults to false: a pilot serves its communities
    v, outsiders = centre_visits(door)
    assert len(v) > 100 and outsiders.sum() == 0


def test_one_visit_across_processing_days_is_a_parameter():
    merged = run("reform=one_door")
    split = run("reform=one_door", "reform.one_door.one_visit_across_processing=false")
    def trips(r):
        c = r.cases
        c = c[(c["service"] == "business_licence") & (c["status"] == "completed") &
              (c["channel"] == "in_person")]
        return c["trips"].mean()
    # business licence: a step with processing days, then another department's step
    assert trips(merged) < 1.4 < 1.9 < trips(split)
