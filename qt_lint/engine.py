"""Checking one file: read -> parse (lazily, once per kind) -> rules -> filter.

Everything here runs in worker processes too, so it takes and returns plain data: a
`Target`, the run's `RunSettings`, and the `Project` for cross-file facts.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable

from qt_lint import kinds, suppress
from qt_lint.classify import Target
from qt_lint.config import Config, ConfigError, Contract
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.parsers import ParseError
from qt_lint.project import Project
from qt_lint.record import record, replace
from qt_lint.registry import rule, rules_for
from qt_lint.rule import Needles, Prefilter, Rule
from qt_lint.settings import RunSettings
from qt_lint.sha import sha256
from qt_lint.source import (
    Text,
    Unreadable,
    check_line_length,
    decode,
    link_outside,
    read_text,
)

MAX_FIX_PASSES = 5
MAX_FINDINGS = 1000  # findings of one file (per rule, and in all) listed in a report


@record(frozen=True, slots=True)
class FileResult:
    """One file's findings, and its text as the fixes left it."""

    findings: tuple[Finding, ...]
    fixed_text: str | None = None  # set when fixes changed the text
    original: Text | None = None
    fixed: tuple[Finding, ...] = ()  # the findings the fixes removed (--show-fixes)
    before: tuple[Finding, ...] = ()  # when fixes changed the text: the findings before them
    # other files the analysis read or looked for (a module a Python file imports a
    # constant from): the result cache keys the findings by them too
    reads: tuple[str, ...] = ()


def check_file(target: Target, settings: RunSettings, project: Project | None = None,
               data: bytes | None = None) -> FileResult:
    """All findings of one file, filtered. `data` replaces reading the file (standard input,
    or the bytes the result cache read to hash it)."""
    if project is None:
        return _check_file(target, settings, project, data)
    project.begin_reads()
    result = _check_file(target, settings, project, data)
    reads = project.reads()
    return replace(result, reads=reads) if reads else result


def _check_file(target: Target, settings: RunSettings, project: Project | None,
                data: bytes | None) -> FileResult:
    from pathlib import Path

    max_size = settings.config.max_file_size
    spec = kinds.of(target.kind)
    systemd, utf16 = spec.systemd_lines, spec.utf16
    outside = False
    try:
        if data is None and link_outside(target.abspath, str(settings.config.root)):
            outside = True
            raise Unreadable("a symbolic link to a file outside the repository: not read "
                             "(commit the file itself)")
        source = decode(data, max_size, systemd, utf16) if data is not None else read_text(
            Path(target.abspath), max_size, systemd, utf16)
        check_line_length(source.text, settings.config.max_line_length)
    except Unreadable as exc:
        found = []
        if "QT001" in settings.active or outside:
            # a link out of the repository is reported whatever is selected: the gate never
            # passes a file it was asked to check and did not read
            found.append(parse_error(target.path, exc.line, exc.column, exc.message))
        # Rules that judge only the name still apply to a file that cannot be read.
        ctx = FileContext(target.path, target.relpath, target.kind, Text(""),
                          settings.config, project)
        for r in rules_for(target.kind, settings.active):
            if not r.needs_text:
                found.extend(r.check(ctx))
        findings = _filter(found, [], target, settings)
        return FileResult(tuple(sorted(anchored(findings, ""))))

    try:
        findings = _analyse(target, source, settings, project)
    except ConfigError:
        raise  # a setup problem (a parser that cannot load) ends the run with exit 2
    except Exception as exc:  # never the end of the run: the file is reported, not skipped
        findings = [parse_error(target.path, 1, 1,
                                f"internal error ({type(exc).__name__}); the file was not "
                                "analysed, please report this")]
    if not settings.fix:
        return FileResult(tuple(sorted(findings)))
    from qt_lint.fix import apply_fixes

    text = source.text
    before = findings
    for _ in range(MAX_FIX_PASSES):
        fixed = apply_fixes(text, _not_baselined(findings, target, settings),
                            settings.unsafe_fixes)
        if fixed is None:
            break
        text = fixed
        findings = _analyse(target, replace(source, text=text), settings, project)
    changed = text if text != source.text else None
    if changed is None:
        return FileResult(tuple(sorted(findings)), None, source)
    from collections import Counter

    left = Counter((f.code, f.anchor) for f in findings)
    gone = []
    for finding in before:  # positions as they were: what the user saw
        key = (finding.code, finding.anchor)
        if left[key] > 0:
            left[key] -= 1
        else:
            gone.append(finding)
    return FileResult(tuple(sorted(findings)), changed, source, tuple(sorted(gone)),
                      tuple(sorted(before)))


def _analyse(target: Target, source: Text, settings: RunSettings,
             project: Project | None) -> list[Finding]:
    kind, path = target.kind, target.path
    spec = kinds.of(kind)
    ctx = FileContext(path, target.relpath, kind, source, settings.config, project,
                      target.abspath)
    raw: list[Finding] = []
    parse_failed: ParseError | None = None
    examined = False
    overflow: dict[str, int] = {}  # code -> line of its first finding not taken
    try:
        text = spec.prefilter_text(ctx)  # shell: the words as the shell reads them too
    except ParseError as exc:
        text, parse_failed = source.text, exc
    except RecursionError:  # the parse behind the words: never a traceback, never a pass
        text, parse_failed = source.text, ParseError("too deeply nested to analyse")
    verdicts: dict[int, bool] = {}  # rules that share a prefilter (QT502/QT503) share its scan
    scan = _needles(kind, settings.active, settings.contract).scan(text)
    for r, prefilter in _prefilters(kind, settings.active, settings.contract):
        if not r.applies_to(target.relpath, settings.contract):
            continue
        verdict = verdicts.get(id(prefilter))
        if verdict is None:
            verdict = verdicts[id(prefilter)] = scan.passes(prefilter)
        if not verdict:
            continue
        examined = True
        try:
            found = list(itertools.islice(r.check(ctx), MAX_FINDINGS + 1))
            if len(found) > MAX_FINDINGS:  # the rest is never built (time and memory)
                overflow[r.code] = found.pop().line
            raw.extend(found)
        except ParseError as exc:
            parse_failed = parse_failed or exc
        except RecursionError:
            parse_failed = parse_failed or ParseError("too deeply nested to analyse")
        except Exception as exc:  # a rule bug must not end the run nor hide the file
            raw.append(parse_error(path, 1, 1,
                                   f"internal error in {r.code} ({type(exc).__name__}); "
                                   "the file was not fully analysed, please report this"))
    if "QT001" in settings.active and (examined or spec.always_parsed
                                       or _unselected_rule_applies(kind, source.text,
                                                                   settings, target.relpath)):
        # Everything is parsed, except where the kind says a file in which no rule can fire
        # is proven clean by its text (Python: parsing the rest would double a run's cost)
        try:
            ctx.parse()
        except ParseError as exc:
            parse_failed = parse_failed or exc
        except RecursionError:
            parse_failed = parse_failed or ParseError("too deeply nested to analyse")
        problems = ([parse_failed] if parse_failed else []) + ctx.recovered
        seen: set[int] = set()
        for problem in problems:
            if len(seen) == MAX_FINDINGS:
                overflow["QT001"] = problem.line
                break
            if problem.line not in seen:
                seen.add(problem.line)
                raw.append(parse_error(path, problem.line, problem.column, problem.message))
    if parse_failed is None:
        raw.extend(_written(target, spec, ctx, settings, project))
    directives = suppress.parse_directives(source.text, kind)
    kept = _filter(raw, directives, target, settings)
    if overflow or len(kept) > MAX_FINDINGS:
        kept = _capped(kept, overflow, target, settings)
    return anchored(kept, source.text)


def _capped(kept: list[Finding], overflow: dict[str, int], target: Target,
            settings: RunSettings) -> list[Finding]:
    """At most MAX_FINDINGS findings of one file, and one QT001 that says what is not
    listed (a rule that found more than the bound, the findings past it): never a silent
    drop. A file with thousands of offences is fixed from the first ones."""
    kept.sort()
    rest = kept[MAX_FINDINGS:]
    kept = kept[:MAX_FINDINGS]
    ignored = settings.ignored_for(target.relpath)
    parts = [f"{code} found more than {MAX_FINDINGS:,}" for code in sorted(overflow)
             if code not in ignored]
    from collections import Counter

    if rest:
        counts = sorted(Counter(f.code for f in rest).items())
        parts.append(f"{len(rest):,} more ({', '.join(f'{c} {n:,}' for c, n in counts)})")
    if not parts:
        return kept
    lines = [f.line for f in rest] + [line for code, line in overflow.items()
                                      if code not in ignored]
    kept.append(parse_error(target.path, min(lines), 1,
                            f"too many findings to list: {'; '.join(parts)}; at most "
                            f"{MAX_FINDINGS:,} are reported per file"))
    return kept


def _not_baselined(findings: list[Finding], target: Target,
                   settings: RunSettings) -> list[Finding]:
    """The findings --fix may change: a baselined finding is a known, accepted one; fixing
    it is a separate decision (`--write-baseline` after fixing by hand)."""
    if not settings.baselined:
        return findings
    from collections import Counter

    remaining = Counter({key: n for key, n in settings.baselined if key[0] == target.relpath})
    if not remaining:
        return findings
    from qt_lint.baseline import take

    return [f for f in findings if not take(remaining, f, target.relpath)]


MAX_WRITTEN = 200  # generated files analysed per script


def _written(target: Target, spec: kinds.FileKind, ctx: FileContext, settings: RunSettings,
             project: Project | None) -> list[Finding]:
    """The files a file writes that are of a kind a script can generate (today: units,
    crontabs and env files a script writes with heredocs, echo, printf), analysed as those
    files, reported at their lines in the writer (no fixes: the writer is what changes).
    Meta findings about the generated text (QT001-QT004) are left out: it may hold the
    script's own expansions; so are the codes the generated kind names (`written_skips`;
    `appended_skips` for lines appended to a file the script did not write, which the kind
    may judge as something else: a unit's as a drop-in)."""
    try:
        written = spec.written(ctx)
        written = [*written, *spec.rewritten(ctx, written, _generated)]
    except ParseError:
        return []
    if not written:
        return []
    out: list[Finding] = []
    judged = [w for w in written if _generated(w.path.lstrip("/")) is not None]
    if len(judged) > MAX_WRITTEN:
        # never a silent pass: the files beyond the bound are named as not analysed
        first = judged[MAX_WRITTEN]
        out.append(parse_error(target.path, first.rows[0], 1,
                               f"writes {len(judged)} units, crontabs and env files; the "
                               f"first {MAX_WRITTEN} were analysed, not the rest"))
        judged = judged[:MAX_WRITTEN]
    for item in judged:
        relpath = item.path.lstrip("/")
        made = _generated(relpath)
        if made is None:
            continue
        generated = item.text
        if item.append:
            relpath, generated, item = made.appended(relpath, generated, item)
        # a virtual location under the script: no fragment or drop-in of the repository is
        # merged with text the script writes
        sub = Target(target.path, f"{target.abspath}/{relpath}", relpath, made.kind)
        try:
            text = decode(generated.encode("utf-8"), 0, made.systemd_lines)
            found = _analyse(sub, text, settings, project)
        except (Unreadable, RecursionError):
            continue
        known: set[tuple[str, str]] = set()
        if item.before is not None:  # `sed -i`: only what the edit adds is reported
            try:
                old = decode(item.before.encode("utf-8"), 0, made.systemd_lines)
                known = {(f.code, f.message) for f in _analyse(sub, old, settings, project)}
            except (Unreadable, RecursionError):
                known = set()
        for f in found:
            if f.code.startswith("QT00") or f.code in made.written_skips or \
                    (item.append and f.code in made.appended_skips) or \
                    (f.code, f.message) in known:
                continue
            line, column = item.at(f.line, f.column)
            out.append(replace(f, line=line, column=column, fix=None,
                               message=f"{f.message} (in {item.path}, written here)"))
    return out


def _generated(relpath: str) -> kinds.FileKind | None:
    """The kind of a written file, when it is one a script can generate."""
    kind = kinds.classify(relpath)
    spec = kinds.of(kind) if kind is not None else None
    return spec if spec is not None and spec.generated else None


def anchored(findings: list[Finding], text: str) -> list[Finding]:
    """Each finding with a fingerprint of what it is about: its code, the offending line's
    text and its subject (the message, without positions), so that a baseline or a
    code-scanning service recognises it when lines move, and two offences at one line
    (a unit lacking `SyslogIdentifier=` and lacking `EnvironmentFile=`, both at its header)
    stay two. The line is redacted first: no fingerprint (in a committed baseline, SARIF,
    JSON, GitLab) is derived from a secret's value, so none confirms a guessed secret
    (messages never hold one). `legacy` is version 1's fingerprint (code and line text),
    which old baselines match."""
    if not findings:
        return findings
    from qt_lint.secrets import redact_line

    lines = text.split("\n")
    out = []
    for f in findings:
        # a secret's own line is not hashed at all: the redactor masks `KEY=value`, not
        # every way code spells a value (`os.getenv("KEY", "<secret>")`)
        line = redact_line(lines[f.line - 1]) if 0 < f.line <= len(lines) and \
            f.code != "QT305" else ""
        words = ' '.join(line.split())
        legacy = f"{f.code}\0{words}\0{f.message if not line.strip() else ''}"
        basis = f"{f.code}\0{words}\0{subject(f.message)}"
        out.append(replace(f, anchor=_digest(basis), legacy=_digest(legacy)))
    return out


def subject(message: str) -> str:
    """What a message says without the positions it quotes (`(line 12)`), which move with
    the file while the offence stays the same."""
    return " ".join(_position().sub("line", message).split())


@functools.cache
def _position() -> re.Pattern[str]:
    return re.compile(r"\blines? \d+(?:[-,] ?\d+)*")


def _digest(basis: str) -> str:
    return sha256(basis.encode("utf-8", "replace")).hexdigest()[:20]


def _unselected_rule_applies(kind: Kind, text: str, settings: RunSettings,
                             relpath: str = "") -> bool:
    """A rule that was not selected could fire on this text (so QT001's answer does not
    depend on the selection). The selected ones were just asked: they are not asked again."""
    scan = _needles(kind, settings.known, settings.contract).scan(text)
    return any(r.applies_to(relpath, settings.contract) and scan.passes(prefilter)
               for r, prefilter in _prefilters(kind, settings.known, settings.contract)
               if r.code not in settings.active)


@functools.cache
def _prefilters(kind: Kind, active: frozenset[str],
                contract: Contract) -> tuple[tuple[Rule, Prefilter | None], ...]:
    """Each rule of the kind with its prefilter, built once per run (rules whose prefilter
    depends on the contract built a new one for every file)."""
    return tuple((r, r.prefilter_for(kind, contract)) for r in rules_for(kind, active))


@functools.cache
def _needles(kind: Kind, active: frozenset[str], contract: Contract) -> Needles:
    """The needles of those prefilters, searched for in one pass per file."""
    return Needles(p for _, p in _prefilters(kind, active, contract))


def parse_error(path: str, line: int, column: int, message: str) -> Finding:
    """A QT001 finding: the file, or a part of it, could not be analysed."""
    r = rule("QT001")
    return Finding(path, line, column, r.code, message, r.severity, r.name, r.section)


def _filter(raw: Iterable[Finding], directives: list[suppress.Directive], target: Target,
            settings: RunSettings) -> list[Finding]:
    """per-file-ignores, then inline suppressions, then severity overrides."""
    ignored = settings.ignored_for(target.relpath)
    kept = suppress.apply((f for f in raw if f.code not in ignored), directives, target.path,
                          settings)
    overrides = dict(settings.severity)
    return [replace(f, severity=overrides[f.code]) if f.code in overrides else f
            for f in kept if f.code not in ignored]


def may_fire(relpath: str, kind: Kind, text: str, config: Config,
             codes: frozenset[str]) -> bool:
    """Whether a rule of `codes` could fire on the file: the prefilters `check` applies,
    on the text they search (shell: with the words as the shell reads them). A file for
    which this is False is proven clean of those rules by its text. A text whose words
    cannot be read is kept (its judgement reports it)."""
    contract = config.contract
    rules = [(r, prefilter) for r, prefilter in _prefilters(kind, codes, contract)
             if r.applies_to(relpath, contract)]
    if not rules:
        return False
    needles = _needles(kind, codes, contract)
    scan = needles.scan(text)
    if any(scan.passes(prefilter) for _, prefilter in rules):
        return True  # the text alone passes: the words are not needed
    ctx = FileContext(relpath, relpath, kind, Text(text), config, None, relpath)
    try:
        searched = kinds.of(kind).prefilter_text(ctx)
    except (ParseError, RecursionError):
        return True
    scan = needles.scan(searched)
    return any(scan.passes(prefilter) for _, prefilter in rules)
