"""Shared fixtures, and the hypothesis profiles: ``make test`` is deterministic, ``make fuzz`` explores at random.

The profile is chosen by the environment variable ``HYPOTHESIS_PROFILE`` (``ci`` unless set): ``ci`` derandomizes
every property test (the same examples on every run, no example database), so a test suite that passes passes
again; ``fuzz`` (``make fuzz``) draws new random examples each run and runs the unbounded fuzzers longer.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("fuzz", derandomize=False, database=None, deadline=None, max_examples=2_000,
                          suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from econ import PARAMS_DIR, load_scenario


@pytest.fixture(scope="session")
def enterprise():
    return load_scenario(PARAMS_DIR / "enterprise_steady.yaml")


@pytest.fixture
def write_scenario(tmp_path):
    """Write a scenario YAML into a temporary folder and return its path."""

    def write(text: str, name: str = "scenario.yaml"):
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


@pytest.fixture(scope="session")
def report(tmp_path_factory):
    """Every shipped scenario rendered once, into a temporary outputs/ (the browser and decision tests read it)."""
    from econ import _report

    out = tmp_path_factory.mktemp("outputs")
    mp = pytest.MonkeyPatch()
    mp.setattr(_report, "OUTPUT_DIR", out)
    try:
        assert _report.build_report() == 0
    finally:
        mp.undo()
    return out
