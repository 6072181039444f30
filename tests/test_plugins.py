"""Rules and host checks are registered one way (`qt_lint.plugins`): a module of their
package defines them; no hand-written list sits beside the generated index."""

from __future__ import annotations

import pytest

from qt_lint import plugins
from tests.conftest import ROOT


def test_every_rule_file_is_a_rule_module_and_nothing_else_is() -> None:
    on_disk = sorted(f"{p.parent.name}.{p.stem}" for p in (ROOT / "qt_lint/rules").glob("*/qt*.py"))
    assert sorted(plugins.rule_modules()) == on_disk
    assert len(on_disk) >= 40
    codes = [m.split(".")[1][2:5] for m in plugins.rule_modules()]
    assert codes == sorted(codes)


def test_every_host_check_module_is_loaded() -> None:
    from qt_lint.host.check import HostCheck
    from qt_lint.host.checks import all_checks

    modules = sorted(p.stem for p in (ROOT / "qt_lint/host/checks").glob("*.py")
                     if p.stem != "__init__")
    assert plugins.modules_of("qt_lint.host.checks") == modules
    loaded = {c.__module__.rsplit(".", 1)[1] for c in all_checks().values()}
    assert loaded == set(modules)
    assert all(issubclass(c, HostCheck) for c in all_checks().values())


def test_no_hand_list_of_modules() -> None:
    from qt_lint import rules
    from qt_lint.host import checks

    assert not hasattr(rules, "RULE_MODULES")
    assert not hasattr(checks, "CHECK_MODULES")


def test_a_code_defined_twice_is_refused() -> None:
    class A:
        code = "QT999"

    class B:
        code = "QT999"

    with pytest.raises(RuntimeError, match="QT999 is defined twice"):
        plugins.by_code([A, B])  # type: ignore[list-item]


def test_the_generated_index_is_the_walk() -> None:
    from qt_lint.registry import all_rules
    from qt_lint.rules.index import INDEX

    assert set(INDEX) == set(all_rules())
    assert sorted(module for module, _, _ in INDEX.values()) == sorted(plugins.rule_modules())
