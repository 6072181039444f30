"""`qt-lint check` as one call: options in, exit code out. Both command-line paths end
here: `qt_lint.main` (the click-free parser pre-commit runs through) and `qt_lint.cli`.

Exit codes are the contract with CI and pre-commit:

0    no finding of error severity (warnings alone pass unless --strict)
1    findings of error severity (or warnings with --strict)
2    usage or configuration error
3    internal error (one line; the traceback only with --debug)
130  interrupted (Ctrl-C)
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from qt_lint.config import Config, ConfigError, load_config, with_overrides
from qt_lint.finding import Finding

if TYPE_CHECKING:
    from collections import Counter

    from qt_lint.baseline import Key

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # the shell's code for SIGINT, on either command-line path


@dataclass
class CheckOptions:
    """`qt-lint check`'s options, however they were parsed."""

    paths: tuple[Path, ...] = ()
    output_format: str = "text"
    config_path: str | None = None
    config_overrides: tuple[str, ...] = ()  # `--config KEY=VALUE`, TOML
    isolated: bool = False
    select: str | None = None
    extend_select: str | None = None
    ignore: str | None = None
    exclude: tuple[str, ...] = ()  # replaces the configured and default excludes (ruff's)
    extend_exclude: tuple[str, ...] = ()  # added to them
    force_exclude: bool = False
    stdin_filename: str | None = None
    show_files: bool = False
    strict: bool | None = None
    exit_zero: bool = False
    statistics: bool = False
    output_file: str | None = None
    quiet: bool = False
    fix: bool = False
    show_fixes: bool = False
    exit_non_zero_on_fix: bool = False
    unsafe_fixes: bool = False
    show_diff: bool = False
    jobs: int | None = None
    no_cache: bool = False
    baseline_path: str | None = None
    write_baseline: str | None = None
    diff_base: str | None = None
    base_config: str | None = None
    debug: bool = False


def load(config_path: str | None, start: Path, isolated: bool = False,
         overrides: tuple[str, ...] = ()) -> Config:
    from qt_lint.registry import known_codes

    if isolated:
        if not overrides:
            return Config(root=Path.cwd())
        from qt_lint.config import parse_config, parse_override

        table: dict[str, object] = {}
        for text in overrides:
            table.update(parse_override(text))
        return parse_config(table, Path.cwd(), None, known_codes())
    return load_config(Path(config_path) if config_path else None, start, known_codes(),
                       overrides)


def split_config_values(values: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """`--config` values: at most one file, and any number of TOML `KEY = VALUE` overrides
    (a value is a file when it names one or has no `=`)."""
    files = [v for v in values if "=" not in v or os.path.isfile(v)]
    if len(files) > 1:
        raise ConfigError(f"--config: one configuration file at most, got {', '.join(files)}")
    return (files[0] if files else None), tuple(v for v in values if v not in files)


def _codes_option(value: str | None, option: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    from qt_lint.config import parse_codes
    from qt_lint.registry import known_codes

    items = [v.strip() for v in value.split(",") if v.strip()]
    return parse_codes(option, items, known_codes())


def _names_a_unit(paths: list[Path]) -> bool:
    from qt_lint.classify import classify
    from qt_lint.finding import Kind

    return any(classify(p.as_posix()) is Kind.UNIT for p in paths)


def use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def run_check(o: CheckOptions) -> int:
    """`qt-lint check`: the exit code (ConfigError for usage and configuration errors)."""
    from qt_lint import api
    from qt_lint.report import CI_FORMATS, from_repository_root, reporter, shown, summarise

    reading_stdin = o.paths == (Path("-"),)
    if reading_stdin and not o.stdin_filename:
        raise ConfigError("reading standard input (-) needs --stdin-filename PATH")
    if o.stdin_filename and not reading_stdin:
        raise ConfigError("--stdin-filename goes with `-` as the only path")
    start = Path(o.stdin_filename) if o.stdin_filename else _common_folder(o.paths)
    config = load(o.config_path, start, o.isolated, o.config_overrides)
    trusted = None
    if o.base_config:  # the gate in force is the target branch's, not the pull request's
        from qt_lint.trusted import base_config

        trusted = base_config(o.base_config, config)
        config = trusted[0]
    config = with_overrides(
        config,
        select=_codes_option(o.select, "--select"),
        extend_select=_codes_option(o.extend_select, "--extend-select"),
        ignore=_codes_option(o.ignore, "--ignore"),
        exclude=o.exclude or None,
        extend_exclude=(config.extend_exclude + o.extend_exclude) if o.extend_exclude else None,
        strict=o.strict,
    )
    paths = list(o.paths or (Path("."),))
    if o.show_files:
        from qt_lint.discover import discover

        targets, _ = api.classify_candidates(discover(paths, config, o.force_exclude))
        from qt_lint.report import one_line

        sys.stdout.write("".join(f"{t.kind.value:<13} {one_line(t.path)}\n" for t in targets))
        return EXIT_OK

    from qt_lint.project import Project

    project = Project(config.root, config)
    if _names_a_unit(paths) and not o.stdin_filename:
        project.prefetch_units()  # git lists the repository's units while we import the rest
    from qt_lint.cache import ResultCache, default_dir
    from qt_lint.settings import RunSettings

    stdin = (o.stdin_filename, sys.stdin.buffer.read()) if o.stdin_filename else None
    known = None
    baseline_file = o.baseline_path or (str(config.root / config.baseline) if config.baseline
                                        else None)
    weakened: list[Finding] = []
    if baseline_file and not o.write_baseline:
        from qt_lint import baseline as baselines

        if trusted is not None:
            from qt_lint.trusted import base_baseline

            known = base_baseline(Path(baseline_file), trusted[1], trusted[2] or "")
            weakened = _baseline_additions(Path(baseline_file), known)
        else:
            known = baselines.load(Path(baseline_file))
    settings = RunSettings.build(config, fix=o.fix or o.show_diff,
                                 unsafe_fixes=o.unsafe_fixes,
                                 baselined=tuple(sorted(known.items())) if known and
                                 (o.fix or o.show_diff) else ())
    cache = None if o.no_cache else ResultCache(default_dir(), settings)
    result = api.check(paths, settings, force_exclude=o.force_exclude, stdin=stdin,
                       jobs=o.jobs, cache=cache, diff_base=o.diff_base, baseline=known,
                       project=project)
    if o.write_baseline:
        from qt_lint import baseline as baselines

        count = baselines.write(Path(o.write_baseline), result.findings, result.relpaths,
                                set(result.relpaths.values()), config.root)
        sys.stdout.write(f"Wrote {count} finding{'s' if count != 1 else ''} to "
                         f"{o.write_baseline}.\n")
        return EXIT_OK
    if o.show_diff:
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
    written: list[str] = []
    unwritten: list[str] = []
    if o.fix:
        from qt_lint.fix import encode, write_fix
        from qt_lint.report import printable
        from qt_lint.source import display_path

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
    if weakened:
        result.findings = sorted([*result.findings, *weakened])
    summary = summarise(result.findings, result.files, fixed=len(written) if o.fix and
                        stdin is None else len(result.fixed), baselined=result.baselined,
                        stale=result.stale, docs_url=config.docs_url)
    render = reporter(o.output_format)
    out = sys.stderr if (o.fix and stdin is not None) else sys.stdout
    failing = any(f.severity.value == "error" or config.strict for f in result.findings)
    findings = shown(result.findings)
    if o.output_format in CI_FORMATS:
        findings = from_repository_root(findings, _repository_root(config))
    if o.output_file:
        # one run serves CI and a person: the file gets --format, the terminal text
        from qt_lint.atomic import replace_file

        report = render(findings, summary, color=False, statistics=o.statistics,
                        quiet=o.quiet)
        try:
            replace_file(o.output_file, report.encode("utf-8"))
        except OSError as exc:
            raise ConfigError(f"--output-file {o.output_file}: "
                              f"{exc.strerror or type(exc).__name__}") from None
        render = reporter("text")
        findings = shown(result.findings)
    _emit(out, render(findings, summary, color=use_color(), statistics=o.statistics,
                      quiet=o.quiet))
    if o.show_fixes and result.fixed and not o.quiet:
        from qt_lint.report import one_line

        gone = sorted(f for r in result.fixed.values() for f in r.fixed)
        lines = [f"{one_line(f.path)}:{f.line}:{f.column}: {f.code} {one_line(f.message)}"
                 for f in gone]
        _emit(out, f"Fixed {len(gone)} finding{'s' if len(gone) != 1 else ''}:\n" +
              "".join(f"  {line}\n" for line in lines))
    if unwritten:
        sys.stderr.write("".join(f"qt-lint: error: could not write the fix to {line}\n"
                                 for line in unwritten))
        sys.stderr.write(f"qt-lint: fixed and written: {', '.join(written) or 'none'}\n")
        return EXIT_USAGE
    if o.exit_non_zero_on_fix and written and not o.exit_zero:
        return EXIT_FINDINGS  # ruff's option: CI notices that --fix changed files
    return EXIT_FINDINGS if failing and not o.exit_zero else EXIT_OK


def _common_folder(paths: tuple[Path, ...]) -> Path:
    """Where the configuration is looked for: the deepest folder that holds every path
    given (the current folder when none is), so the order of the arguments never changes
    which configuration applies. Files under one project's folder get that project's
    configuration; paths in two projects get the configuration found above both."""
    if not paths:
        return Path(".")
    folders = []
    for path in paths:
        absolute = os.path.abspath(path)
        folders.append(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))
    return Path(os.path.commonpath(folders))


def _repository_root(config: Config) -> str:
    """Where CI formats' paths start: git's top level of the current directory, else the
    configured root."""
    from qt_lint import git

    try:
        top = git.run(os.getcwd(), "rev-parse", "--show-toplevel").decode().strip()
    except (OSError, git.GitError, UnicodeDecodeError):
        top = ""
    return top or str(config.root)


def _baseline_additions(path: Path, trusted: Counter[Key]) -> list[Finding]:
    """QT005 on the working tree's baseline when it holds entries the trusted one lacks
    (the pull request would baseline its own breaches)."""
    from qt_lint import baseline as baselines
    from qt_lint.registry import rule
    from qt_lint.source import display_path

    if not os.path.lexists(path):
        return []
    proposed = baselines.load(path)
    added = sum(max(0, count - trusted.get(key, 0)) for key, count in proposed.items())
    if not added:
        return []
    r = rule("QT005")
    message = (f"adds {added} baseline entr{'ies' if added != 1 else 'y'} that the base "
               "does not have (not used: the base's baseline is in force)")
    return [Finding(display_path(os.path.abspath(path)), 1, 1, r.code, message, r.severity,
                    r.name, r.section)]


def _emit(stream: TextIO, text: str) -> None:
    """Write the report. A reader that stops early (`| head`) does not turn the run's
    exit code into a pass: the rest of the output goes to /dev/null."""
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
