"""GitLab Code Quality: a JSON array of issues with fingerprints."""

from __future__ import annotations

import json
from collections.abc import Sequence

from qt_lint.finding import Finding, Severity
from qt_lint.report import Summary, fingerprints


def render(findings: Sequence[Finding], summary: Summary, *, color: bool,
           statistics: bool, quiet: bool = False) -> str:
    issues = [{
        "description": f"{f.code} {f.message}",
        "check_name": f.code,
        "fingerprint": fingerprint,
        "severity": "major" if f.severity is Severity.ERROR else "minor",
        "location": {"path": f.path, "lines": {"begin": f.line}},
    } for f, fingerprint in zip(findings, fingerprints(findings), strict=True)]
    return json.dumps(issues, indent=2) + "\n"
