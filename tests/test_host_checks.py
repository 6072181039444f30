"""Host checks are rules too: every check's VALID/INVALID examples run in-process on an
in-memory compliant host, and every check carries both lists, its docs and remediation."""

from __future__ import annotations

import pytest

from qt_lint.config import Contract
from qt_lint.host.check import FAIL, NA, PASS, HostCheck, HostExample
from qt_lint.host.checks import all_checks
from qt_lint.host.examples import compliant, run_example


def _cases(attr: str) -> list[tuple[type[HostCheck], HostExample]]:
    return [(c, ex) for c in all_checks().values() for ex in getattr(c, attr)]


@pytest.mark.parametrize(("check", "example"), _cases("VALID"),
                         ids=lambda v: getattr(v, "code", ""))
def test_valid(check: type[HostCheck], example: HostExample) -> None:
    results = run_example(check, example)
    assert results, "a check on a compliant host reports what it verified"
    assert {r.status for r in results} <= {PASS, NA}, results
    assert PASS in {r.status for r in results}


@pytest.mark.parametrize(("check", "example"), _cases("INVALID"),
                         ids=lambda v: getattr(v, "code", ""))
def test_invalid(check: type[HostCheck], example: HostExample) -> None:
    results = run_example(check, example)
    assert (example.status, example.object) in {(r.status, r.object) for r in results}, results
    assert example.status != PASS


def test_compliant_host_passes_every_check() -> None:
    from qt_lint.config import Config
    from qt_lint.host.check import Audit
    from qt_lint.host.checks import run_checks

    results = run_checks(Audit(compliant(Contract()), Config(), offline=True))
    assert {r.status for r in results} <= {PASS, NA}, [r for r in results if r.status != PASS]


@pytest.mark.parametrize("check", list(all_checks().values()), ids=lambda c: c.code)
def test_every_check_is_documented_with_examples(check: type[HostCheck]) -> None:
    assert check.VALID and check.INVALID, f"{check.code} needs VALID and INVALID examples"
    assert any(ex.status == FAIL for ex in check.INVALID) or check.code == "H101"
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead",
                    "## Remediation"):
        assert heading in check.docs(), f"{check.code} docs lack {heading}"
    assert check.remediation()
    assert check.code.startswith("H") and check.name and check.section and check.summary


def test_h141_judges_every_unit_rule() -> None:
    from qt_lint.finding import Kind
    from qt_lint.host.checks.units import unit_codes
    from qt_lint.registry import all_rules

    expected = {code for code, r in all_rules().items()
                if Kind.UNIT in r.kinds and not r.engine_reported}
    assert unit_codes() == expected and "QT402" in expected
