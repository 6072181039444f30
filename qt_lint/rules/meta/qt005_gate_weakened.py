from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

from qt_lint.config import Config, ConfigError, TOMLDecodeError, parse_config, parse_toml
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind, Severity
from qt_lint.rule import Example, Rule

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from qt_lint.baseline import Key

_WEAKER_BY = ("ignore", "per-file-ignores", "exclude", "extend-exclude", "severity",
              "unsuppressible", "strict", "require-suppression-reason", "select", "contract")
_PYPROJECT = """\
[tool.qt-lint]
{}
"""


class GateWeakened(Rule):
    """
    ## What it does
    With `qt-lint check --base-config REV` (CI on a pull request), the configuration and
    baseline in force come from the branch the pull request targets. This rule then reads
    the pull request's own qt-lint configuration (`qt-lint.toml`, or `[tool.qt-lint]` of
    `pyproject.toml`) and reports, at the changed key, every way it would weaken the gate
    if it were merged: codes it stops running (`ignore`, a narrower `select`), new
    `per-file-ignores`, new excludes, errors lowered to warnings, codes no longer
    `unsuppressible`, `strict` or `require-suppression-reason` switched off, changed
    contract values. A configuration file the base does not have, nearer to the files than
    the base's (`systemd/qt-lint.toml`), would replace the base's for the files below it:
    it is reported at its first line, and judged against the base's. Baseline entries the
    pull request adds are reported on the baseline file. Without `--base-config` the file
    is the configuration in force and this rule has nothing to compare.

    ## Why is this bad?
    A pull request that edits the gate's own configuration can switch the gate off for
    itself. Judged with the target branch's configuration it cannot, and the change it
    proposes is shown to the reviewer instead of passing unseen.

    ## Example
    ```toml
    [tool.qt-lint]
    ignore = ["QT402"]
    ```

    ## Use instead
    Fix the finding, or suppress one line with a reason (`# qt-lint: ignore[QT402] why`),
    where a reviewer sees it; change the gate's configuration in a pull request of its own.
    """

    code = "QT005"
    name = "gate-weakened"
    severity = Severity.WARNING
    section = "H"
    kinds = frozenset({Kind.CONFIG})
    summary = "Pull request's qt-lint configuration or baseline weakens the gate in force"

    example_path = "qt-lint.toml"
    VALID = (Example("require-suppression-reason = false\n"),
             Example(_PYPROJECT.format("select = []"), path="pyproject.toml"))
    INVALID = (
        Example('ignore = ["QT402"]\n', expect=((1, 1),)),
        Example(_PYPROJECT.format('per-file-ignores = { "legacy/**" = ["QT2"] }'),
                path="pyproject.toml", expect=((2, 1),)),
        Example('[contract]\nredis-hosts = ["localhost", "10.0.0.9"]\n', expect=((2, 1),)),
        Example('severity = { QT402 = "warning" }\nexclude = ["systemd"]\n',
                expect=((1, 1), (2, 1))),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        source = ctx.config.source
        name = ctx.relpath.rsplit("/", 1)[-1]
        proposed_source = ctx.config.proposed_source
        if proposed_source is not None and ctx.abspath == str(proposed_source):
            import os

            shown = os.path.relpath(source, ctx.config.root) if source else "the base's"
            yield ctx.finding(self, 1, 1, "a configuration file the base does not have: "
                              f"merged, it would replace `{shown}` for the files below it")
        elif source is not None:
            if ctx.abspath and ctx.abspath != str(source):
                return
        elif ctx.relpath not in ("qt-lint.toml", "pyproject.toml"):
            return
        try:
            document = parse_toml(ctx.text)
            table = (document.get("tool", {}).get("qt-lint") if name == "pyproject.toml"
                     else document)
            if not isinstance(table, dict):
                return
            from qt_lint.registry import known_codes

            proposed = parse_config(table, ctx.config.root, None, known_codes())
        except (TOMLDecodeError, ConfigError):
            return  # not a valid configuration: it cannot be merged to weaken anything
        lines = ctx.lines
        for key, message in weakenings(ctx.config, proposed):
            yield ctx.finding(self, _line_of(lines, key), 1, message)


def weakenings(current: Config, proposed: Config) -> list[tuple[str, str]]:
    """(key, what it weakens) for every way `proposed` is weaker than `current`."""
    from qt_lint.registry import expand
    from qt_lint.settings import active_codes

    out: list[tuple[str, str]] = []
    lost = sorted(active_codes(current) - active_codes(proposed))
    if lost:
        key = "ignore" if proposed.ignore != current.ignore else "select"
        out.append((key, f"stops running {', '.join(lost)}"))
    before = {glob: expand(codes) for glob, codes in current.per_file_ignores}
    for glob, codes in proposed.per_file_ignores:
        added = sorted(expand(codes) - before.get(glob, set()))
        if added:
            out.append(("per-file-ignores", f"ignores {', '.join(added)} in `{glob}`"))
    for key in ("exclude", "extend-exclude"):
        new = [p for p in getattr(proposed, key.replace("-", "_"))
               if p not in getattr(current, key.replace("-", "_"))]
        if new:
            out.append((key, f"excludes {', '.join(f'`{p}`' for p in new)} from checks"))
    lowered = sorted(code for code, level in proposed.severity
                     if level is Severity.WARNING and dict(current.severity).get(code)
                     is not Severity.WARNING)
    if lowered:
        out.append(("severity", f"lowers {', '.join(lowered)} to warnings"))
    freed = sorted(expand(current.unsuppressible) - expand(proposed.unsuppressible))
    if freed:
        out.append(("unsuppressible", f"lets inline comments suppress {', '.join(freed)}"))
    for key in ("strict", "require-suppression-reason"):
        attr = key.replace("-", "_")
        if getattr(current, attr) and not getattr(proposed, attr):
            out.append((key, f"switches `{key}` off"))
    for f in fields(current.contract):
        if getattr(current.contract, f.name) != getattr(proposed.contract, f.name):
            key = f.name.replace("_", "-")
            out.append((key, f"changes contract value `{key}`"))
    return out


def baseline_additions(path: Path, trusted: Counter[Key]) -> list[Finding]:
    """QT005 on the working tree's baseline when it holds entries the trusted one lacks
    (the pull request would baseline its own breaches)."""
    from qt_lint import baseline as baselines
    from qt_lint.source import display_path

    if not os.path.lexists(path):
        return []
    proposed = baselines.load(path)
    added = sum(max(0, count - trusted.get(key, 0)) for key, count in proposed.items())
    if not added:
        return []
    r = GateWeakened
    message = (f"adds {added} baseline entr{'ies' if added != 1 else 'y'} that the base "
               "does not have (not used: the base's baseline is in force)")
    return [Finding(display_path(os.path.abspath(path)), 1, 1, r.code, message, r.severity,
                    r.name, r.section)]


def _line_of(lines: list[str], key: str) -> int:
    """The line that sets `key` (`key = ...`, or a `[....key]` table header), else 1."""
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith((f"{key} ", f"{key}=", f'"{key}"')):
            return number
        if stripped.startswith("[") and stripped.rstrip("]").endswith((f".{key}", f"[{key}")):
            return number
    return 1
