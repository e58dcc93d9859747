"""site_days_table: one row per community per day, counted from the case and visit tables."""

import pandas as pd

from pilotsim.sim.records import site_days_table
from tests.conftest import run


def test_site_days_count_each_community_whatever_order_the_tables_categories_are_in():
    r = run("sim.days=20", "sim.sample_fraction=0.2", "seed=4")
    names = list(r.model.community_names)
    assert len(names) > 1

    def reordered(table: pd.DataFrame) -> pd.DataFrame:
        # as a table read back from Parquet row groups may come: same rows, categories reordered
        return table.assign(community=table["community"].cat.reorder_categories(names[::-1]))

    again = site_days_table(r.model, reordered(r.cases), reordered(r.visits))
    pd.testing.assert_frame_equal(again, r.site_days, check_exact=True)
    # each community-day's trips are the visits of that community that day
    trips = r.visits.groupby([r.visits["day"], r.visits["community"].astype(str)]).size()
    rows = r.site_days.set_index([r.site_days["day"], r.site_days["community"].astype(str)])
    assert trips.sum() > 0
    assert (rows["trips"].reindex(trips.index) == trips).all()
    assert rows["trips"].sum() == len(r.visits)
    assert (rows["district"].astype(str) == [
        r.model.district_names[r.model.community_district[names.index(c)]]
        for c in rows.index.get_level_values(1)]).all()
