"""Short paired runs shared by the reform tests (same seed: common random numbers)."""

from functools import cache

from pilotsim.app import api

DAYS = 90
BASE = (f"sim.days={DAYS}", "sim.sample_fraction=0.3", "seed=3")

# services whose first step only fetches a relayable certificate for the second
CERTIFICATE_SERVICES = ["business_licence", "social_insurance_transfer",
                        "housing_repair_permit", "minimum_living_allowance"]
SINGLE_STEP = ["elderly_allowance", "residence_registration"]
# services whose steps are at two different departments
MULTI_DEPARTMENT = ["business_licence", "housing_repair_permit", "minimum_living_allowance"]


@cache
def run(*overrides: str) -> api.RunResult:
    """One short run of the shipped config with ``overrides`` (cached per test session)."""
    return api.run(api.compose([*BASE, *overrides]))


def closed(result: api.RunResult):
    c = result.cases
    return c[c["status"].isin(["completed", "abandoned"])]


def communities_of(result: api.RunResult, district: str) -> list[str]:
    spec = result.model.spec
    return [n for n, c in spec.city.communities.items() if c.district == district]
