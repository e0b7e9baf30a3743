"""The import rules of DESIGN.md, checked on the source of every module (an AST walk, so
an import inside a function counts as much as one at the top)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import REPO

TORCH = ("torch", "torchvision", "onnx", "onnxscript")
# folder -> modules it must never import, anywhere in its code
FORBIDDEN = {
    "runtime": (*TORCH, "digits.train", "digits.export"),
    "train": ("digits.export", "digits.runtime"),
    "common": ("digits.train", "digits.export", "digits.runtime", *TORCH),
}
# common/ may reach a stage lazily (the CLI group, `from digits import Reader`), never
# at import time: these folders are checked at module level only.
MODULE_LEVEL_ONLY = {"common"}


def imports(tree: ast.Module, module_level_only: bool) -> list[tuple[int, str]]:
    """(line, imported module) for every import statement of a module."""
    nodes = tree.body if module_level_only else ast.walk(tree)
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.lineno, node.module)]
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def violations(folder: Path, forbidden: tuple[str, ...], module_level_only: bool) -> list[str]:
    bad = []
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for line, name in imports(tree, module_level_only):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{folder.name}/{path.relative_to(folder)}:{line} imports {name}")
    return bad


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_import_rules(folder: str) -> None:
    assert violations(REPO / folder, FORBIDDEN[folder], folder in MODULE_LEVEL_ONLY) == []


def test_the_rule_catches_an_import(tmp_path: Path) -> None:
    """The walk sees a forbidden import hidden inside a function."""
    (tmp_path / "m.py").write_text("import numpy\n\ndef f():\n    from digits.train import loop\n")
    assert violations(tmp_path, FORBIDDEN["runtime"], False) == [
        f"{tmp_path.name}/m.py:4 imports digits.train",
        f"{tmp_path.name}/m.py:4 imports digits.train.loop"]
    assert violations(tmp_path, FORBIDDEN["runtime"], True) == []
