"""What `qt-lint check` does around the analysis: the baseline in force before it, and after
it, with its result, one of: the baseline written, the fixes shown as a diff, or the fixes
written and the report printed (terminal and `--output-file`); each returns the exit code.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from qt_lint.exitcodes import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from collections import Counter
    from typing import TextIO

    from qt_lint.api import CheckRun
    from qt_lint.baseline import Key
    from qt_lint.config import Config
    from qt_lint.finding import Finding
    from qt_lint.runner import CheckOptions


def baseline_in_force(o: CheckOptions, config: Config, trusted: tuple[Config, str, str | None]
                      | None) -> tuple[Counter[Key] | None, list[Finding]]:
    """The baseline entries that hide findings (None: no baseline), and the QT005 findings
    on a working-tree baseline that adds entries to the trusted base's (`--base-config`)."""
    baseline_file = o.baseline_path or (str(config.root / config.baseline) if config.baseline
                                        else None)
    if not baseline_file or o.write_baseline:
        return None, []
    if trusted is None:
        from qt_lint import baseline as baselines

        return baselines.load(Path(baseline_file)), []
    from qt_lint.gate_base import base_baseline
    from qt_lint.rules.meta.qt005_gate_weakened import baseline_additions

    known = base_baseline(Path(baseline_file), trusted[1], trusted[2] or "")
    return known, baseline_additions(Path(baseline_file), known)


def save_rebased_baseline(o: CheckOptions, config: Config, result: CheckRun,
                          trusted: object, written: list[str]) -> None:
    """The fixes moved or removed baselined findings: the baseline file follows them, so
    committing the fix never turns a known finding into a new one (not with
    `--base-config`, whose baseline is the target branch's, nor for standard input)."""
    baseline_file = o.baseline_path or (str(config.root / config.baseline) if config.baseline
                                        else None)
    if result.rebased is None or not baseline_file or not written or trusted is not None:
        return
    from qt_lint import baseline as baselines

    baselines.save(Path(baseline_file), result.rebased)


def write_baseline(o: CheckOptions, config: Config, result: CheckRun) -> int:
    from qt_lint import baseline as baselines

    assert o.write_baseline is not None
    count = baselines.write(Path(o.write_baseline), result.findings, result.relpaths,
                            set(result.relpaths.values()), config.root)
    sys.stdout.write(f"Wrote {count} finding{'s' if count != 1 else ''} to "
                     f"{o.write_baseline}.\n")
    return EXIT_OK


def show_diff(o: CheckOptions, result: CheckRun) -> int:
    """`--diff`: the fixes as a patch `git apply --unidiff-zero` takes; nothing written."""
    from qt_lint.fix import encode, unified_diff
    from qt_lint.report import printable
    from qt_lint.source import display_path

    for target_path, fixed in sorted(result.fixed.items()):
        assert fixed.original is not None and fixed.fixed_text is not None
        # the bytes as they are and as --fix would write them (line endings included)
        before = encode(fixed.original.text, fixed.original)
        after = encode(fixed.fixed_text, fixed.original)
        patch = unified_diff(printable(display_path(target_path)),
                             before.decode("utf-8", "surrogateescape"),
                             after.decode("utf-8", "surrogateescape"))
        sys.stdout.flush()
        sys.stdout.buffer.write(patch.encode("utf-8", "surrogateescape"))
    sys.stdout.flush()
    return EXIT_FINDINGS if result.fixed and not o.exit_zero else EXIT_OK


def write_fixes(config: Config, result: CheckRun,
                stdin: tuple[str, bytes] | None) -> tuple[list[str], list[str]]:
    """`--fix`: each fixed file written (to standard output for `-`); the files written and
    those that could not be, with the reason."""
    from qt_lint.fix import encode, write_fix
    from qt_lint.report import printable
    from qt_lint.source import display_path

    written: list[str] = []
    unwritten: list[str] = []
    for target_path, fixed in sorted(result.fixed.items()):
        assert fixed.original is not None and fixed.fixed_text is not None
        data = encode(fixed.fixed_text, fixed.original)
        if stdin is not None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            continue
        shown_path = printable(display_path(target_path))
        try:
            write_fix(target_path, data, str(config.root))
        except OSError as exc:  # the others are still written, and the report printed
            reason = exc.strerror or (exc.args[0] if exc.args else type(exc).__name__)
            unwritten.append(f"{shown_path}: {reason}")
        else:
            written.append(shown_path)
    if stdin is not None and not result.fixed:
        sys.stdout.buffer.write(stdin[1])
        sys.stdout.flush()
    return written, unwritten


def report(o: CheckOptions, config: Config, result: CheckRun,
           stdin: tuple[str, bytes] | None, written: list[str], unwritten: list[str]) -> int:
    """The report (the `--output-file` gets `--format`, the terminal the text report), the
    fixes shown, the files that could not be written; the exit code."""
    from qt_lint.report import CI_FORMATS, from_repository_root, reporter, shown, summarise

    summary = summarise(result.findings, result.files, fixed=len(written) if o.fix and
                        stdin is None else len(result.fixed), baselined=result.baselined,
                        stale=result.stale, docs_url=config.docs_url,
                        baselined_fixable=result.baselined_fixable if (o.fix or o.show_diff)
                        and not o.fix_baselined else 0)
    render = reporter(o.output_format)
    out = sys.stderr if (o.fix and stdin is not None) else sys.stdout
    failing = any(f.severity.value == "error" or config.strict for f in result.findings)
    findings = shown(result.findings)
    if o.output_format in CI_FORMATS:
        findings = from_repository_root(findings, _repository_root(config))
    if o.output_file:
        # one run serves CI and a person: the file gets --format, the terminal text
        from qt_lint.atomic import replace_file
        from qt_lint.config import ConfigError

        text = render(findings, summary, color=False, statistics=o.statistics, quiet=o.quiet)
        try:
            replace_file(o.output_file, text.encode("utf-8"), follow=True)
        except OSError as exc:
            raise ConfigError(f"--output-file {o.output_file}: "
                              f"{exc.strerror or type(exc).__name__}") from None
        render = reporter("text")
        findings = shown(result.findings)
    emit(out, render(findings, summary, color=use_color(o.color), statistics=o.statistics,
                     quiet=o.quiet))
    if o.show_fixes and result.fixed and not o.quiet:
        from qt_lint.report import one_line

        gone = sorted(f for r in result.fixed.values() for f in r.fixed)
        lines = [f"{one_line(f.path)}:{f.line}:{f.column}: {f.code} {one_line(f.message)}"
                 for f in gone]
        emit(out, f"Fixed {len(gone)} finding{'s' if len(gone) != 1 else ''}:\n" +
             "".join(f"  {line}\n" for line in lines))
    if unwritten:
        sys.stderr.write("".join(f"qt-lint: error: could not write the fix to {line}\n"
                                 for line in unwritten))
        sys.stderr.write(f"qt-lint: fixed and written: {', '.join(written) or 'none'}\n")
        return EXIT_USAGE
    if o.exit_non_zero_on_fix and written and not o.exit_zero:
        return EXIT_FINDINGS  # ruff's option: CI notices that --fix changed files
    return EXIT_FINDINGS if failing and not o.exit_zero else EXIT_OK


def use_color(choice: str = "auto") -> bool:
    """`--color always|never|auto` as ruff has it; auto: never with NO_COLOR set, always
    with FORCE_COLOR set (not empty), else only on a terminal."""
    if choice != "auto":
        return choice == "always"
    if "NO_COLOR" in os.environ:
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def _repository_root(config: Config) -> str:
    """Where CI formats' paths start: git's top level of the current directory, else the
    configured root."""
    from qt_lint import git

    try:
        top = git.run(os.getcwd(), "rev-parse", "--show-toplevel").decode().strip()
    except (OSError, git.GitError, UnicodeDecodeError):
        top = ""
    return top or str(config.root)


def emit(stream: TextIO, text: str) -> None:
    """Write the report. A reader that stops early (`| head`) does not turn the run's
    exit code into a pass: the rest of the output goes to /dev/null."""
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
