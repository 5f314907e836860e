"""tools/lower_bounds.py: the constraints file CI installs to test csm at its declared lower bounds."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _load_tool():
    spec = importlib.util.spec_from_file_location("lower_bounds", ROOT / "tools" / "lower_bounds.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lower_bounds = _load_tool()


def _declared() -> list[Requirement]:
    project = PYPROJECT["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]]


def _pins(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)", line).groups()
            assert name not in pins, f"{name} pinned twice"
            pins[name] = version
    return pins


def test_every_dependency_and_test_extra_is_pinned_at_its_declared_lower_bound():
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "lower_bounds.py"), str(ROOT / "pyproject.toml")],
                         capture_output=True, text=True, check=True).stdout
    pins = _pins(out)
    declared = _declared()
    assert len(declared) >= 20  # read the real dependency list, not an empty one
    for req in declared:
        name = lower_bounds.canonical(req.name)
        bound = [s.version for s in req.specifier if s.operator == ">="]
        assert bound, f"{req} declares no lower bound"
        assert name in pins, f"{req} missing from the constraints"
        assert Version(pins[name]) == Version(bound[0]), (req, pins[name])
    # nothing but the declared dependencies (plus documented extra pins) is constrained
    assert set(pins) == {lower_bounds.canonical(r.name) for r in declared} | set(lower_bounds.EXTRA_PINS)
    assert pins["pandas"] == "2.2" and pins["numpy"] == "1.26"  # the bounds issue 10 names


@pytest.mark.parametrize("requirement, expected", [
    ("pandas>=2.2", ("pandas", "2.2")),
    ("PyYAML >= 6.0", ("PyYAML", "6.0")),
    ("threadpoolctl>=3.1  ", ("threadpoolctl", "3.1")),
    ("nbval[extra]>=0.11,<1 ; python_version >= '3.11'", ("nbval", "0.11")),
])
def test_lower_bound_of_a_requirement(requirement, expected):
    assert lower_bounds.lower_bound(requirement) == expected


@pytest.mark.parametrize("requirement", ["pandas", "pandas<3", "pandas==2.2", "pandas>=2,>=2.2"])
def test_a_requirement_without_exactly_one_lower_bound_is_refused(requirement):
    with pytest.raises(ValueError, match="lower bound"):
        lower_bounds.lower_bound(requirement)


def test_a_name_listed_twice_gets_its_highest_bound():
    project = {"project": {"dependencies": ["nbval>=0.10", "Py_YAML>=6"],
                           "optional-dependencies": {"test": ["nbval>=0.11", "pytest>=8.0"]}}}
    assert lower_bounds.constraints(project) == {"nbval": "0.11", "py-yaml": "6", "pytest": "8.0"}


def test_installed_versions_lie_inside_the_declared_bounds():
    """Both CI environments: every dependency satisfies its bound; the lower-bound one sits exactly on it."""
    at_lower_bounds = os.environ.get("CSM_LOWER_BOUNDS") == "1"  # set by .ci/run for its second environment
    for req in _declared():
        installed = Version(metadata.version(req.name))
        assert installed in req.specifier, f"{req.name} {installed} outside {req}"
        if at_lower_bounds:
            bound = Version(next(s.version for s in req.specifier if s.operator == ">="))
            assert installed == bound, f"{req.name} {installed} != {bound}"
