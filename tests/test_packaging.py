"""What ships: the wheel installs one import name with every module and data file of the
source folders, every third-party import of the product is declared in pyproject.toml, and
constraints.txt pins each declared dependency within its range."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
# Source folder -> where it installs inside the wheel (pyproject.toml, package-dir).
INSTALLS_AS = {
    "dumbcontacts": "dumbcontacts",
    "etl": "dumbcontacts/etl",
    "analysis": "dumbcontacts/analysis",
    "dashboard": "dumbcontacts/dashboard",
}
DATA_FILES = (
    "analysis/report/templates/*.j2",
    "dashboard/assets/*",
    "etl/taxonomies/*.toml",
    "etl/mappings/*.toml",
)
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _source_files(pattern: str) -> list[Path]:
    return sorted(p for p in ROOT.glob(pattern) if "__pycache__" not in p.parts)


def _in_wheel(path: Path) -> str:
    folder, *rest = path.relative_to(ROOT).parts
    return "/".join([INSTALLS_AS[folder], *rest])


@pytest.fixture(scope="module")
def wheel_record(tmp_path_factory) -> set[str]:
    """The paths the wheel's RECORD lists, built from a copy (the build writes beside it)."""
    if Version(importlib.metadata.version("setuptools")) < Version("77"):
        pytest.skip("building without isolation needs setuptools >= 77 (make installs it)")
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in INSTALLS_AS:
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps",
               "--no-build-isolation", "--quiet", "-w", str(out)]  # fmt: skip
    built = subprocess.run(command, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    (wheel,) = out.glob("dumbcontacts-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        record = next(n for n in archive.namelist() if n.endswith(".dist-info/RECORD"))
        lines = archive.read(record).decode().splitlines()
    return {line.rsplit(",", 2)[0] for line in lines if line}


@pytest.mark.slow
def test_the_wheel_installs_one_import_name(wheel_record):
    tops = {path.split("/")[0] for path in wheel_record}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"dumbcontacts"}


@pytest.mark.slow
def test_the_wheel_holds_every_module_of_the_source_folders(wheel_record):
    # Each package folder (one with an __init__.py) and the dashboard's pages, which Dash
    # loads by path and so need none: a folder missing from pyproject's `packages` fails here.
    for folder in INSTALLS_AS:
        for module in _source_files(f"{folder}/**/*.py"):
            assert _in_wheel(module) in wheel_record, f"{module.relative_to(ROOT)} not in the wheel"
    inits = [init for folder in INSTALLS_AS for init in _source_files(f"{folder}/**/__init__.py")]
    packages = {_in_wheel(init.parent) for init in inits}
    assert {f"{package}/__init__.py" for package in packages} <= wheel_record
    pages = {_in_wheel(page) for page in _source_files("dashboard/pages/*.py")}
    assert {"dumbcontacts/dashboard/pages/overview.py"} <= pages <= wheel_record


@pytest.mark.slow
def test_the_wheel_holds_the_report_templates_and_dashboard_assets(wheel_record):
    data = [path for pattern in DATA_FILES for path in _source_files(pattern)]
    assert {p.name for p in data} >= {"report.html.j2", "bootstrap.min.css"}
    assert {_in_wheel(path) for path in data} <= wheel_record


def test_every_third_party_import_is_declared():
    declared = {_normal(Requirement(r).name) for r in PYPROJECT["project"]["dependencies"]}
    providers = importlib.metadata.packages_distributions()
    needed: dict[str, set[str]] = {}
    for folder in INSTALLS_AS:
        for module in _source_files(f"{folder}/**/*.py"):
            for name in _imported_names(module):
                if name not in sys.stdlib_module_names and name != "dumbcontacts":
                    distributions = providers.get(name, [f"<no installed package gives {name}>"])
                    needed.setdefault(_normal(distributions[0]), set()).add(name)
    undeclared = {dist: names for dist, names in needed.items() if dist not in declared}
    assert undeclared == {}
    # The few that tell the check works: imported under another name than their package's.
    assert {
        "scikit-learn",
        "lingua-language-detector",
        "dash-bootstrap-components",
    } <= needed.keys()


def test_the_lock_pins_every_dependency_within_its_range():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[_normal(name)] = version
    dev = PYPROJECT["project"]["optional-dependencies"]["dev"]
    for requirement in map(Requirement, [*PYPROJECT["project"]["dependencies"], *dev]):
        pinned = pins.get(_normal(requirement.name))
        assert pinned is not None, f"{requirement.name} is not in constraints.txt"
        assert requirement.specifier.contains(pinned), f"{requirement.name}=={pinned}"
    assert "dumbcontacts" not in pins


def _imported_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names
