"""Print a pip constraints file that pins every declared lower bound of csm's dependencies.

Usage:  python tools/lower_bounds.py [pyproject.toml] > lower-bounds.txt
        pip install -c lower-bounds.txt -e ".[test]"

Reads ``[project].dependencies`` and the ``test`` extra of ``pyproject.toml`` (``tomllib``, standard
library only, so it runs before any virtual environment exists) and turns each ``name>=X`` into
``name==X``. CI generates the file from ``pyproject.toml`` at run time, so the tested lower bounds cannot
drift from the declared ones. A requirement without a ``>=`` bound is an error: every dependency must
declare the oldest version we support (and so the oldest version we test).

``EXTRA_PINS`` below adds pins for packages that are not csm's own dependencies but whose newest release
does not work with the pinned lower bounds (each with its reason).
"""
from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

#: Transitive dependencies whose newest release breaks at our lower bounds: name -> (specifier, reason).
EXTRA_PINS: dict[str, tuple[str, str]] = {}

_REQUIREMENT = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?P<spec>[^;]*)(?:;.*)?$")


def canonical(name: str) -> str:
    """PEP 503 normalised project name (``PyYAML`` -> ``pyyaml``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def lower_bound(requirement: str) -> tuple[str, str]:
    """``"pandas>=2.2"`` -> ``("pandas", "2.2")``; ValueError when there is no ``>=`` bound."""
    m = _REQUIREMENT.match(requirement)
    if not m:
        raise ValueError(f"cannot read the requirement {requirement!r}")
    bounds = [part.strip()[2:].strip() for part in m["spec"].split(",") if part.strip().startswith(">=")]
    if len(bounds) != 1:
        raise ValueError(f"requirement {requirement!r} needs exactly one '>=' lower bound "
                         "(the oldest version csm supports, tested in CI)")
    return m["name"], bounds[0]


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.]", version))


def requirements(pyproject: dict) -> list[str]:
    """The requirement strings of ``[project].dependencies`` plus the ``test`` extra."""
    project = pyproject["project"]
    return [*project.get("dependencies", []), *project.get("optional-dependencies", {}).get("test", [])]


def constraints(pyproject: dict) -> dict[str, str]:
    """Canonical name -> pinned lower-bound version (the highest bound when a name is listed twice)."""
    pins: dict[str, str] = {}
    for req in requirements(pyproject):
        name, version = lower_bound(req)
        key = canonical(name)
        if key not in pins or _version_key(version) > _version_key(pins[key]):
            pins[key] = version
    return pins


def render(pyproject: dict) -> str:
    lines = ["# csm's declared lower bounds, generated from pyproject.toml by tools/lower_bounds.py"]
    lines += [f"{name}=={version}" for name, version in sorted(constraints(pyproject).items())]
    for name, (spec, reason) in sorted(EXTRA_PINS.items()):
        lines.append(f"{name}{spec}  # {reason}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "pyproject.toml"
    with path.open("rb") as fh:
        sys.stdout.write(render(tomllib.load(fh)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
