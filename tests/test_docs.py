"""The documentation is checked against the code (FlaskBB's docs named the wrong entry-point
group for years; here a test would fail)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from sep_core import hookspecs
from sep_core.plugins import ENTRY_POINT_GROUP

ROOT = Path(__file__).parents[1]
HOOK_DOC = (ROOT / "docs" / "plugin_hooks.md").read_text(encoding="utf-8")


def hook_specs() -> dict[str, str]:
    specs = {}
    for name, func in inspect.getmembers(hookspecs, inspect.isfunction):
        if name.startswith("sep_"):
            specs[name] = f"{name}({', '.join(inspect.signature(func).parameters)})"
    return specs


def documented_signatures() -> dict[str, str]:
    return {m["name"]: m["sig"].replace(" ", "").replace(",", ", ")
            for m in re.finditer(r"^### (?P<sig>(?P<name>sep_\w+)\([^)]*\))", HOOK_DOC, re.M)}


@pytest.mark.parametrize("name", sorted(hook_specs()))
def test_every_hookspec_is_documented_with_its_exact_signature(name):
    assert documented_signatures().get(name) == hook_specs()[name]


def test_no_documented_hook_is_missing_from_the_code():
    assert set(documented_signatures()) <= set(hook_specs())


def test_every_hook_has_a_test():
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    sources += "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "plugins").rglob("tests/test_*.py"))
    missing = [name for name in hook_specs() if not re.search(rf"\btest_hook_{name}\b", sources)]
    assert missing == []


def test_entry_point_group_in_docs_and_setup_matches_the_code():
    assert ENTRY_POINT_GROUP in (ROOT / "setup.py").read_text()
    assert ENTRY_POINT_GROUP in (ROOT / "docs" / "writing_plugins.md").read_text(encoding="utf-8")
    assert ENTRY_POINT_GROUP in (ROOT / "tests" / "external_plugin" / "setup.py").read_text()


def test_readme_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
