"""`qt-lint check` as one call: options in, exit code out (`qt_lint.exitcodes`). Both
command-line paths end here: `qt_lint.main` (the click-free parser pre-commit runs through)
and `qt_lint.cli`. `run_check` reads as the stages in order: the configuration in force,
the project, the baseline in force, the run's settings and cache, the analysis
(`api.check`), then what the run does with its result (`qt_lint.outcome`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from qt_lint.config import Config, ConfigError, with_overrides
from qt_lint.exitcodes import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
)
from qt_lint.outcome import use_color
from qt_lint.record import record
from qt_lint.settings import load, split_config_values

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from collections import Counter

    from qt_lint.baseline import Key
    from qt_lint.cache import ResultCache
    from qt_lint.settings import RunSettings

__all__ = ["EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE",
           "CheckOptions", "load", "run_check", "split_config_values", "use_color"]


@record
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
    color: str = "auto"  # --color: auto, always, never
    quiet: bool = False
    fix: bool = False
    fix_baselined: bool = False  # --fix for the baselined findings too (burn-down)
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


def run_check(o: CheckOptions) -> int:
    """`qt-lint check`: the exit code (ConfigError for usage and configuration errors)."""
    from qt_lint import api, outcome

    config, trusted = _configuration(o)
    paths = list(o.paths or (Path("."),))
    if o.show_files:
        return _show_files(o, paths, config)
    from qt_lint.project import Project

    project = Project(config.root, config)
    if _names_a_unit(paths) and not o.stdin_filename:
        project.prefetch_units()  # git lists the repository's units while we import the rest
    stdin = (o.stdin_filename, sys.stdin.buffer.read()) if o.stdin_filename else None
    known, weakened = outcome.baseline_in_force(o, config, trusted)
    settings, cache = _settings(o, config, known)
    result = api.check(paths, settings, force_exclude=o.force_exclude, stdin=stdin,
                       jobs=o.jobs, cache=cache, diff_base=o.diff_base, baseline=known,
                       project=project)
    if o.write_baseline:
        return outcome.write_baseline(o, config, result)
    if o.show_diff:
        return outcome.show_diff(o, result)
    written, unwritten = outcome.write_fixes(config, result, stdin) if o.fix else ([], [])
    outcome.save_rebased_baseline(o, config, result, trusted, written)
    if weakened:
        result.findings = sorted([*result.findings, *weakened])
    return outcome.report(o, config, result, stdin, written, unwritten)


def _configuration(o: CheckOptions) -> tuple[Config, tuple[Config, str, str | None] | None]:
    """The configuration in force (the base revision's with `--base-config`), with the
    command line's selections; and the trusted base (config, commit, top), if any."""
    o.fix = o.fix or (o.fix_baselined and not o.show_diff)  # burn-down: fixes all
    reading_stdin = o.paths == (Path("-"),)
    if reading_stdin and not o.stdin_filename:
        raise ConfigError("reading standard input (-) needs --stdin-filename PATH")
    if o.stdin_filename and not reading_stdin:
        raise ConfigError("--stdin-filename goes with `-` as the only path")
    start = Path(o.stdin_filename) if o.stdin_filename else _common_folder(o.paths)
    config = load(o.config_path, start, o.isolated, o.config_overrides)
    trusted = None
    if o.base_config:  # the gate in force is the target branch's, not the pull request's
        from qt_lint.gate_base import base_config

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
    return config, trusted


def _show_files(o: CheckOptions, paths: list[Path], config: Config) -> int:
    from qt_lint import api
    from qt_lint.discover import discover
    from qt_lint.report import one_line

    targets, _ = api.classify_candidates(discover(paths, config, o.force_exclude), config.root)
    sys.stdout.write("".join(f"{t.kind.value:<13} {one_line(t.path)}\n" for t in targets))
    return EXIT_OK


def _settings(o: CheckOptions, config: Config,
              known: Counter[Key] | None) -> tuple[RunSettings, ResultCache | None]:
    """The run's settings (fix mode; the baseline --fix leaves alone, none with
    --fix-baselined) and its cache."""
    from qt_lint.cache import ResultCache, default_dir
    from qt_lint.settings import RunSettings

    settings = RunSettings.build(config, fix=o.fix or o.show_diff,
                                 unsafe_fixes=o.unsafe_fixes,
                                 baselined=tuple(sorted(known.items())) if known and
                                 (o.fix or o.show_diff) and not o.fix_baselined else ())
    return settings, None if o.no_cache else ResultCache(default_dir(), settings)


def _codes_option(value: str | None, option: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    from qt_lint.config import parse_codes
    from qt_lint.registry import known_codes

    items = [v.strip() for v in value.split(",") if v.strip()]
    return parse_codes(option, items, known_codes())


def _names_a_unit(paths: list[Path]) -> bool:
    """A path given is a unit (a kind whose findings depend on the repository's units)."""
    from qt_lint import kinds

    return any((kind := kinds.classify(p.as_posix())) is not None and kinds.of(kind).cross_file
               for p in paths)


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
