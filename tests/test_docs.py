"""Generated docs cannot drift from the registry."""

from __future__ import annotations

import pytest

from qt_lint.docs import all_docs, readme_with_table
from qt_lint.registry import all_rules
from tests.conftest import ROOT


def test_rule_docs_are_current() -> None:
    """rules/ holds exactly one page per rule and per host check, each as generated."""
    folder = ROOT / "rules"
    on_disk = {p.name for p in folder.glob("*.md")}
    wanted = all_docs()
    assert on_disk == set(wanted), "run: python -m qt_lint.docs"
    assert {f"{code}.md" for code in all_rules()} <= on_disk
    assert "H131.md" in on_disk
    for name, text in wanted.items():
        assert (folder / name).read_text() == text, (
            f"rules/{name} is stale: run python -m qt_lint.docs")


def test_readme_rules_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    assert readme_with_table(readme) == readme, "stale README table: python -m qt_lint.docs"


def test_every_contract_key_is_documented() -> None:
    from qt_lint.config import _CONTRACT_KEYS, _TOP_KEYS

    readme = (ROOT / "README.md").read_text()
    for key in (*_TOP_KEYS, *_CONTRACT_KEYS):
        if key != "contract":
            assert f"`{key}`" in readme, f"README does not document `{key}`"


def test_rule_index_is_current() -> None:
    from qt_lint.docs import index_source

    assert (ROOT / "qt_lint/rules/index.py").read_text() == index_source(), (
        "qt_lint/rules/index.py is stale: run python -m qt_lint.docs")


def test_every_pre_commit_hook_is_documented() -> None:
    import re

    hooks = re.findall(r"^- id: (\S+)", (ROOT / ".pre-commit-hooks.yaml").read_text(), re.M)
    readme = (ROOT / "README.md").read_text()
    assert hooks == ["qt-lint"]
    for hook in hooks:
        assert f"id: {hook}" in readme


def test_readme_kinds_table_comes_from_the_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's file-kind table is each kind module's own `files`, in `Kind` order."""
    from qt_lint.docs import KINDS_END, KINDS_START, kinds_table
    from qt_lint.kinds.unit import UnitKind

    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index(KINDS_START) + len(KINDS_START):readme.index(KINDS_END)]
    assert table.strip() == kinds_table()
    assert table.count("\n| ") == 10  # a header row and the nine kinds, after the separator
    monkeypatch.setattr(UnitKind, "files", "`*.unit-of-tomorrow`")
    assert "| systemd-unit | `*.unit-of-tomorrow` |" in readme_with_table(readme)
