"""The layers import one way: errors, settings <- etl <- analysis <- dashboard <- the command
line and the job on top; read from every module's import statements (ast), not by running it."""

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("polars", "pandas", "sqlalchemy", "torch", "bertopic", "sklearn", "dash")

# What each layer may import of the product, besides itself.
BELOW = {
    "errors": set(),
    "settings": {"errors"},
    "etl": {"errors", "settings"},
    "analysis": {"errors", "settings", "etl"},
    "dashboard": {"errors", "settings", "etl", "analysis"},
    "top": {"errors", "settings", "etl", "analysis", "dashboard"},
}


def _modules() -> dict[str, Path]:
    """Every module of the product by its import name, found through pyproject's package-dir."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = config["package-dir"]
    found = {}
    for package in config["packages"]:
        prefix = max((p for p in folders if package == p or package.startswith(p + ".")), key=len)
        folder = ROOT / folders[prefix] / Path(*package[len(prefix) :].split(".")[1:])
        for path in folder.glob("*.py"):
            found[package if path.stem == "__init__" else f"{package}.{path.stem}"] = path
    return found


MODULES = _modules()


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in BELOW:
        return parts[1]
    return "top"  # the package API, cli, job, run_lock, samples, pipeline


def _imports(path: Path) -> list[tuple[str, int]]:
    """(product module, line) for every import in the file, lazy and TYPE_CHECKING ones too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: relative import"
            for alias in node.names:  # from dumbcontacts import errors: the module errors
                name = f"{node.module}.{alias.name}"
                found.append((name if name in MODULES else node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
    return [(name, line) for name, line in found if name.split(".")[0] == "dumbcontacts"]


IMPORTS = {module: _imports(path) for module, path in MODULES.items()}


def test_every_source_file_is_a_module_found():
    folders = [ROOT / name for name in ("dumbcontacts", "etl", "analysis", "dashboard")]
    assert set(MODULES.values()) == {path for folder in folders for path in folder.rglob("*.py")}
    assert MODULES["dumbcontacts.analysis.topics.analyze"] == ROOT / "analysis/topics/analyze.py"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_its_own_layer_and_those_below(module):
    layer = _layer(module)
    allowed = BELOW[layer] | {layer}
    wrong = [
        f"{target} (line {line})"
        for target, line in IMPORTS[module]
        if _layer(target) not in allowed or (target == "dumbcontacts" and layer != "top")
    ]
    assert not wrong, f"{module} ({layer}) imports from above: {wrong}"


def test_only_the_entry_point_imports_the_command_line():
    importers = {
        module
        for module, targets in IMPORTS.items()
        for target, _ in targets
        if target.startswith("dumbcontacts.cli") and not module.startswith("dumbcontacts.cli")
    }
    assert importers == {"dumbcontacts.__main__"}


def test_the_sample_generator_is_imported_by_the_command_line_only():
    importers = {
        module
        for module, targets in IMPORTS.items()
        for target, _ in targets
        if target.startswith("dumbcontacts.samples")
        and not module.startswith("dumbcontacts.samples")
    }
    assert importers == {"dumbcontacts.cli"}


def test_only_settings_reads_the_environment():
    readers = set()
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            names = {"environ", "environb", "getenv"}
            if isinstance(node, ast.Attribute) and node.attr in names:
                readers.add(module)
            if isinstance(node, ast.ImportFrom) and {a.name for a in node.names} & names:
                readers.add(module)
    assert readers == {"dumbcontacts.settings"}


def test_importing_the_package_loads_no_heavy_library():
    code = (
        "import sys, dumbcontacts, dumbcontacts.errors, dumbcontacts.settings; "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout == "[]\n"


def test_the_command_line_starts_without_the_loaders():
    # ``rank`` and the other readers pay for SQLAlchemy and polars only; ``load`` imports the
    # loaders (pandas, pyarrow, the PII rules) when it runs.
    loaders = ("dumbcontacts.etl.load", "dumbcontacts.samples.generate", "pandas", "pyarrow",
               "numpy", "tqdm", "dash")  # fmt: skip
    code = f"import sys, dumbcontacts.cli; print([m for m in {loaders!r} if m in sys.modules])"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout == "[]\n"
