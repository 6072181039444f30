"""SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, ...), validated against the schema."""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import quote

from qt_lint import __version__
from qt_lint.finding import Finding, Severity
from qt_lint.report import Summary, fingerprints

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# No informationUri: qt-lint has no public page to point at. A rule's helpUri comes only
# from the configured `docs-url` (its full help text is embedded either way).


def _level(severity: Severity) -> str:
    return "error" if severity is Severity.ERROR else "warning"


def render(findings: Sequence[Finding], summary: Summary, *, color: bool,
           statistics: bool, quiet: bool = False) -> str:
    from qt_lint.registry import all_rules

    rules = list(all_rules().values())
    index = {rule.code: i for i, rule in enumerate(rules)}
    descriptors = [{
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.docs().split("## Why is this bad?")[0]
                            .replace("## What it does", "").strip()},
        "help": {"text": rule.docs(), "markdown": rule.docs()},
        **({"helpUri": summary.docs_url.replace("{code}", rule.code)}
           if summary.docs_url else {}),
        "defaultConfiguration": {"level": _level(rule.severity)},
        "properties": {"contract-section": rule.section, "tags": ["qt-lint", rule.section]},
    } for rule in rules]
    results = []
    for finding, fingerprint in zip(findings, fingerprints(findings), strict=True):
        results.append({
            "ruleId": finding.code,
            "ruleIndex": index.get(finding.code, 0),
            "level": _level(finding.severity),
            "message": {"text": finding.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": quote(finding.path, safe="/"),
                                     "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": finding.line, "startColumn": finding.column},
            }}],
            "partialFingerprints": {"qtLintFingerprint/v1": fingerprint},
        })
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "qt-lint", "version": __version__,
                                "rules": descriptors}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(document, indent=2) + "\n"
