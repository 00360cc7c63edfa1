import pytest

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
