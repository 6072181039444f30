"""A run's settings, resolved once and handed to every stage (ruff's `Settings`).

Everything a file's check depends on beyond the file itself: the configuration, the
selected codes, per-file ignores compiled to matchers with their codes expanded, the codes
inline suppressions cannot silence, severity overrides, fix mode, and the date that
suppression expiries are judged against. Frozen and picklable: worker processes get the
same object.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from qt_lint.config import Config, ConfigError, Contract, load_config
from qt_lint.discover import Matcher, matcher
from qt_lint.finding import Severity
from qt_lint.record import record
from qt_lint.registry import expand, known_codes


@record(frozen=True, slots=True)
class RunSettings:
    """What one run applies: the configuration, the codes that run, ignores and overrides."""

    config: Config
    active: frozenset[str]  # the codes that run
    known: frozenset[str]  # every code qt-lint has
    per_file_ignores: tuple[tuple[Matcher, frozenset[str]], ...]
    unsuppressible: frozenset[str]
    severity: tuple[tuple[str, Severity], ...]
    today: dt.date
    fix: bool = False
    unsafe_fixes: bool = False
    # with --fix and a baseline: (relpath, code, fingerprint) -> count of findings that the
    # baseline absorbs, which --fix leaves alone
    baselined: tuple[tuple[tuple[str, str, str], int], ...] = ()

    @classmethod
    def build(cls, config: Config, *, active: frozenset[str] | None = None,
              fix: bool = False, unsafe_fixes: bool = False,
              today: dt.date | None = None,
              baselined: tuple[tuple[tuple[str, str, str], int], ...] = ()) -> RunSettings:
        """The settings of a run of `config` (`active` narrows it, as the host audit does)."""
        return cls(
            config=config,
            active=active_codes(config) if active is None else active,
            known=known_codes(),
            per_file_ignores=tuple((matcher((glob,)), frozenset(expand(codes)))
                                   for glob, codes in config.per_file_ignores),
            unsuppressible=frozenset(expand(config.unsuppressible)),
            severity=config.severity,
            today=today or dt.date.today(),
            fix=fix,
            unsafe_fixes=unsafe_fixes,
            baselined=baselined,
        )

    @property
    def contract(self) -> Contract:
        return self.config.contract

    def ignored_for(self, relpath: str) -> frozenset[str]:
        """The codes `per-file-ignores` removes for a file."""
        out: frozenset[str] = frozenset()
        for matches, codes in self.per_file_ignores:
            if matches(relpath):
                out |= codes
        return out


def active_codes(config: Config) -> frozenset[str]:
    """`select` (all codes when empty) plus `extend-select`, less `ignore`."""
    selected = expand(config.select) if config.select else set(known_codes())
    selected |= expand(config.extend_select)
    selected -= expand(config.ignore)
    return frozenset(selected)


def load(config_path: str | None, start: Path, isolated: bool = False,
         overrides: tuple[str, ...] = ()) -> Config:
    """The configuration a run starts from: the file given, else the one found from `start`
    upwards; with `isolated`, the defaults (and `--config KEY=VALUE` overrides) only, with
    the same root."""
    if isolated:
        # the configuration is ignored, not the project: the root is where a run that
        # reads it would have it (its file's folder, else `project_root`)
        from qt_lint.config import parse_config, parse_override, root_for

        root = root_for(start)
        if not overrides:
            return Config(root=root)
        table: dict[str, object] = {}
        for text in overrides:
            table.update(parse_override(text))
        return parse_config(table, root, None, known_codes())
    return load_config(Path(config_path) if config_path else None, start, known_codes(),
                       overrides)


def split_config_values(values: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """`--config` values: at most one file, and any number of TOML `KEY = VALUE` overrides
    (a value is a file when it names one or has no `=`)."""
    files = [v for v in values if "=" not in v or os.path.isfile(v)]
    if len(files) > 1:
        raise ConfigError(f"--config: one configuration file at most, got {', '.join(files)}")
    return (files[0] if files else None), tuple(v for v in values if v not in files)
