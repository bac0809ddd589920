"""The house rules for who may import what, checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "peerlog"
UI_LIBRARIES = {"typer", "questionary", "rich", "prompt_toolkit"}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def modules(pattern: str) -> list[Path]:
    return sorted(PACKAGE.glob(pattern))


def domain_modules() -> list[Path]:
    ui = {PACKAGE / "interactive.py"}
    return [
        p
        for p in modules("**/*.py")
        if p not in ui
        and "cli" not in p.relative_to(PACKAGE).parts
        and "render" not in p.relative_to(PACKAGE).parts
    ]


@pytest.mark.parametrize("path", domain_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_domain_and_store_never_import_a_user_interface_library(path: Path) -> None:
    assert not imported_roots(path) & UI_LIBRARIES


@pytest.mark.parametrize("path", modules("**/*.py"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_interactive_py_imports_questionary(path: Path) -> None:
    if path.name != "interactive.py":
        assert "questionary" not in imported_roots(path)


@pytest.mark.parametrize("path", modules("**/*.py"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_render_builds_rich_output(path: Path) -> None:
    if "render" not in path.relative_to(PACKAGE).parts:
        assert "rich" not in imported_roots(path)


def test_models_import_nothing_else_of_peerlog() -> None:
    assert "peerlog" not in imported_roots(PACKAGE / "models.py")
