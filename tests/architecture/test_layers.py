"""The layers run one way: every import of every module, lazy ones inside functions included.

catalog -> spec -> components (common -> platform -> each kind -> the kind registry) -> stacks ->
policies -> deploy -> cli. validation imports only catalog, spec and components.common. Target kinds
never import each other, and nothing imports cli.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORDER = ["catalog", "spec", "components", "stacks", "policies", "deploy", "cli"]
FOLDERS = [*ORDER, "validation"]
# inside components: common -> platform -> each kind -> kinds.py (the registry)
COMPONENT_LAYERS = {"common": 0, "platform": 1, "kinds": 3}
KIND_PACKAGES = sorted(
    p.name
    for p in (ROOT / "components").iterdir()
    if p.is_dir() and p.name not in ("common", "platform") and (p / "__init__.py").exists()
)


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["ailz", *parts])


def _imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, imported module) for every import in the file, wherever it stands."""
    module = _module_name(path, root)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # `from ailz.components.common import names` imports the module ailz.components.common.names
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
            found.append((node.lineno, target))
    return [(line, name) for line, name in found if name.startswith("ailz.")]


def _project_modules(root: Path = ROOT) -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (root / folder).rglob("*.py"))


def _component_layer(parts: list[str]) -> tuple[int, str | None]:
    """(layer, kind) of ailz.components.<parts...>; the package root counts as common."""
    if not parts:
        return 0, None
    if parts[0] in COMPONENT_LAYERS:
        return COMPONENT_LAYERS[parts[0]], None
    if parts[0] in KIND_PACKAGES:
        return 2, parts[0]
    return 0, None


def violations(root: Path = ROOT) -> list[str]:
    found = []
    for path in _project_modules(root):
        rel = path.relative_to(root)
        source_parts = _module_name(path, root).split(".")[1:]
        source = source_parts[0]
        for line, imported in _imports(path, root):
            parts = imported.split(".")[1:]
            target = parts[0]
            where = f"{rel}:{line} imports {imported}"
            if target not in FOLDERS:
                continue  # a name imported from the ailz package itself is not a module edge
            if target == "cli" and source != "cli":
                found.append(f"{where}: nothing imports cli")
            elif source == "validation":
                allowed = target in ("catalog", "spec", "validation") or parts[:2] == ["components", "common"]
                if target == "components" and len(parts) == 1:
                    allowed = False
                if not allowed:
                    found.append(f"{where}: validation imports only catalog, spec and components.common")
            elif target == "validation":
                if source != "cli":
                    found.append(f"{where}: only cli uses validation")
            elif source != target and ORDER.index(target) > ORDER.index(source):
                found.append(f"{where}: {source} sits below {target}")
            elif source == target == "components":
                mine, my_kind = _component_layer(source_parts[1:])
                theirs, their_kind = _component_layer(parts[1:])
                if theirs > mine:
                    found.append(f"{where}: components layers run common -> platform -> kinds -> registry")
                elif my_kind and their_kind and my_kind != their_kind:
                    found.append(f"{where}: target kinds never import each other")
    return found


def test_every_import_follows_the_layers():
    assert violations() == []


def test_folders_form_no_cycle():
    edges: dict[str, set[str]] = defaultdict(set)
    for path in _project_modules():
        source = _module_name(path).split(".")[1]
        for _, imported in _imports(path):
            target = imported.split(".")[1]
            if target in FOLDERS and target != source:
                edges[source].add(target)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in edges[start])

    assert [folder for folder in FOLDERS if reaches(folder, folder, set())] == []


BAD_TREE = {
    "spec/bad.py": "def f():\n    from ailz.components.aws import checks\n",
    "components/aws/bad.py": "from ailz.components.gcp.spec import GcpTarget\n",
    "components/common/bad.py": "from ..platform import objects\n",
    "validation/bad.py": "def g():\n    from ailz.stacks.plan import Plan\n",
    "policies/bad.py": "import ailz.cli.app\n",
}


def test_the_checker_catches_every_kind_of_breach(tmp_path):
    """Lazy, relative and plain imports that break a rule are all reported."""
    for name, text in BAD_TREE.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "components" / "gcp").mkdir(exist_ok=True)
    found = "\n".join(violations(tmp_path))
    assert "spec/bad.py:2" in found and "components sits" not in found
    assert "spec sits below components" in found
    assert "target kinds never import each other" in found
    assert "components/common/bad.py:1 imports ailz.components.platform" in found
    assert "validation imports only" in found
    assert "nothing imports cli" in found


@pytest.mark.parametrize("kind", KIND_PACKAGES)
def test_each_kind_registers_itself(kind):
    """A kind package has kind.py, and the registry lists it."""
    assert (ROOT / "components" / kind / "kind.py").exists()
    from ailz.components.kinds import KINDS

    assert kind in KINDS.names


def test_every_catalog_machine_belongs_to_a_registered_kind():
    from ailz.catalog import load_catalog
    from ailz.components.kinds import KINDS

    providers = {machine.provider for machine in load_catalog().machines.values()}
    assert providers <= set(KINDS.names)
