"""The JSON report, schema version 1 (documented in docs/getting-started.md; changes bump
`version`)."""

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
           statistics: bool, quiet: bool = False) -> str:
    from qt_lint.report import fingerprints

    document: dict[str, object] = {
        "version": SCHEMA_VERSION,
        "findings": [{**finding_dict(f), "fingerprint": fp}
                     for f, fp in zip(findings, fingerprints(findings), strict=True)],
        "summary": {
            "files": summary.files, "findings": summary.findings, "by_code": summary.by_code,
            "baselined": summary.baselined, "stale_baseline_entries": summary.stale,
        },
    }
    if statistics:
        names = {f.code: f.name for f in findings}
        document["statistics"] = [
            {"code": code, "name": names.get(code, ""), "count": count}
            for code, count in sorted(summary.by_code.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
