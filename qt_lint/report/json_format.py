"""The JSON report, schema version 1 (documented in the README; changes bump `version`)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from qt_lint.finding import Finding
from qt_lint.report import Summary

SCHEMA_VERSION = 1


def finding_dict(f: Finding) -> dict[str, object]:
    return {
        "path": f.path, "line": f.line, "column": f.column, "code": f.code, "name": f.name,
        "severity": f.severity.value, "message": f.message, "section": f.section,
        "fixable": bool(f.fix and f.fix.safe),
    }


def render(findings: Sequence[Finding], summary: Summary, *, color: bool,
           statistics: bool) -> str:
    document = {
        "version": SCHEMA_VERSION,
        "findings": [finding_dict(f) for f in findings],
        "summary": {
            "files": summary.files, "findings": summary.findings, "by_code": summary.by_code,
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
