"""Component conventions every kind shares, read from the source.

One constructor convention: `Cls(name, spec_path, *, explicit inputs..., opts=None)`; only the
landing-zone component of each kind and the platform layer receive the target context.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "components"
SEES_CONTEXT = {"landing_zone.py", "cluster_layer.py", "platform.py"}
BASES = {"AilzComponent", "GcpComponent"}


def _components() -> list[tuple[Path, ast.ClassDef, ast.FunctionDef]]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            bases = {getattr(b, "id", None) for b in getattr(node, "bases", [])}
            if isinstance(node, ast.ClassDef) and bases & BASES and node.name not in BASES:
                init = next(
                    (f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None
                )
                if init is not None:
                    found.append((path, node, init))
    return found


COMPONENTS = _components()


@pytest.mark.parametrize(
    ("path", "cls", "init"), COMPONENTS, ids=[f"{p.parent.name}/{c.name}" for p, c, _ in COMPONENTS]
)
def test_constructor_convention(path, cls, init):
    positional = [a.arg for a in init.args.args[1:]]
    keywords = [a.arg for a in init.args.kwonlyargs]
    if path.name in SEES_CONTEXT:
        assert positional[0] == "ctx", f"{cls.name} builds a whole target from its context"
        return
    assert positional == ["name", "spec_path"], f"{cls.name}({', '.join(positional)}): name, spec_path, *"
    assert keywords and keywords[-1] == "opts", f"{cls.name}: explicit keyword inputs, then opts"
    annotations = ast.unparse(init.args)
    assert "TargetContext" not in annotations, f"{cls.name} must not see the target context"


def test_there_are_components_to_check():
    assert len(COMPONENTS) > 30


SAME_ROLE = {
    "EncryptionKeys": "keys.py",
    "Network": "network.py",
    "ColdStorage": "cold_storage.py",
    "TeamIdentity": "team_identity.py",
    "GpuNodePool": "gpu_pool.py",
    "SystemNodePool": "system_pool.py",
}


@pytest.mark.parametrize("kind", ["aws", "gcp"])
def test_same_role_same_name_on_every_cloud_kind(kind):
    classes = {cls.name: path.name for path, cls, _ in COMPONENTS if path.parent.name == kind}
    assert {role: classes.get(role) for role in SAME_ROLE} == SAME_ROLE
