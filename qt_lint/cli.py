"""The command line on click: every command and option, with help and validation.

The entry point is `qt_lint.main.main`: it runs the plain
`qt-lint check FILE...` that pre-commit runs without importing click, and hands every
other command line to the `cli` group below.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from qt_lint import __version__
from qt_lint.config import ConfigError
from qt_lint.report import FORMATS
from qt_lint.runner import CheckOptions, load, run_check, split_config_values, use_color


class GroupedCommand(click.Command):
    """`--help` with the options under headings (ruff's layout), in the order of
    `sections`: option name -> heading; the rest under "Other options"."""

    sections: dict[str, str] = {}

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        groups: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                heading = self.sections.get(param.name or "", "Other options")
                groups.setdefault(heading, []).append(record)
        order = [*dict.fromkeys(self.sections.values()), "Other options"]
        for heading in order:
            if heading in groups:
                with formatter.section(heading):
                    formatter.write_dl(groups[heading])


def _grouped(sections: dict[str, str]) -> type[GroupedCommand]:
    return type("Grouped", (GroupedCommand,), {"sections": sections})


_CHECK_SECTIONS = {
    **dict.fromkeys(("output_format", "output_file", "statistics", "quiet", "color",
                     "show_files"), "Output"),
    **dict.fromkeys(("select", "extend_select", "ignore", "strict", "exit_zero"),
                    "Rule selection"),
    **dict.fromkeys(("exclude", "extend_exclude", "force_exclude", "stdin_filename"),
                    "File selection"),
    **dict.fromkeys(("fix", "fix_baselined", "unsafe_fixes", "show_fixes",
                     "exit_non_zero_on_fix", "show_diff"), "Fixes"),
    **dict.fromkeys(("baseline_path", "write_baseline", "diff_base", "base_config"),
                    "Adoption and CI"),
    **dict.fromkeys(("config_path", "isolated", "jobs", "no_cache", "debug"),
                    "Configuration and run"),
}
_HOST_SECTIONS = {
    **dict.fromkeys(("root", "repo", "offline", "config_path", "only", "service"),
                    "What is audited"),
    **dict.fromkeys(("output_format", "output_file", "failures_only", "color"), "Output"),
    **dict.fromkeys(("redis_host", "redis_port", "redis_password_file", "timeout"),
                    "Redis (live host)"),
    **dict.fromkeys(("time_limit", "snapshot_out", "snapshot_in"), "Run and snapshots"),
}
_COLOR = click.Choice(["auto", "always", "never"])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="qt-lint")
def cli() -> None:
    """qt-lint enforces the Quantum Trader systemd golden contract."""


@cli.command(cls=_grouped(_CHECK_SECTIONS))
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False))
@click.option("--format", "--output-format", "output_format", default="text",
              show_default=True, type=click.Choice(FORMATS),
              help="Output format (--output-format: ruff's name).")
@click.option("--color", type=_COLOR, default="auto", show_default=True,
              help="Colour: auto (a terminal, unless NO_COLOR; FORCE_COLOR forces it).")
@click.option("--config", "config_path", multiple=True, metavar="FILE|KEY=VALUE",
              help="Configuration file (default: nearest qt-lint.toml or pyproject.toml), "
                   "or a TOML `key = value` overriding one of its settings (repeatable).")
@click.option("--isolated", is_flag=True,
              help="Ignore configuration files (contract defaults); the root is unchanged.")
@click.option("--select", help="Comma-separated codes or prefixes to enable (replaces config).")
@click.option("--extend-select", help="Codes or prefixes to enable in addition.")
@click.option("--ignore", help="Codes or prefixes to disable.")
@click.option("--exclude", multiple=True,
              help="Glob to exclude from directory walks, replacing the configured and "
                   "default excludes (repeatable).")
@click.option("--extend-exclude", multiple=True,
              help="Glob to exclude in addition to the configured ones (repeatable).")
@click.option("--force-exclude", is_flag=True,
              help="Apply excludes to files named on the command line too.")
@click.option("--stdin-filename", help="Check standard input as if it were this file (PATH -).")
@click.option("--show-files", is_flag=True,
              help="List the files that would be checked, and as what.")
@click.option("--strict", is_flag=True, default=None, help="Warnings fail the run too.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True,
              help="Show a count per code instead of the findings.")
@click.option("--output-file", "-o", "output_file", type=click.Path(dir_okay=False),
              help="Write the report in --format to this file (atomically); the terminal "
                   "still gets the text report.")
@click.option("--quiet", "-q", is_flag=True, help="Print the findings only (no summary).")
@click.option("--fix", is_flag=True, help="Apply safe fixes to the files.")
@click.option("--fix-baselined", is_flag=True,
              help="Fix the baselined findings too and update the baseline (burn-down).")
@click.option("--unsafe-fixes", is_flag=True,
              help="With --fix/--diff, also apply fixes marked unsafe.")
@click.option("--show-fixes", is_flag=True, help="With --fix, list the findings it fixed.")
@click.option("--exit-non-zero-on-fix", is_flag=True,
              help="With --fix, exit 1 when files were changed, even if nothing remains.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Print the fixes as a unified diff instead of writing them (exit 1 if any).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: CPUs).")
@click.option("--no-cache", is_flag=True,
              help="Analyse every file (do not read or write the cache).")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False),
              help="Report only findings that are not in this baseline file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False),
              help="Record today's findings as the baseline and exit 0.")
@click.option("--diff-base",
              help="Only findings on lines added or changed since this git revision.")
@click.option("--base-config", metavar="REV",
              help="Judge with the configuration and baseline of this git revision (CI: "
                   "the branch a pull request targets); QT005 shows what the pull "
                   "request's own would weaken.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def check(**options: Any) -> None:
    """Check files and directories (default: the current directory)."""
    path, overrides = split_config_values(options.pop("config_path"))
    if path is not None and os.path.isdir(path):
        raise click.BadParameter(f"File {path!r} is a directory.", param_hint="'--config'")
    if path is not None and os.path.exists(path) and not os.access(path, os.R_OK):
        raise click.BadParameter(f"File {path!r} is not readable.", param_hint="'--config'")
    raise SystemExit(run_check(CheckOptions(**options, config_path=path,
                                            config_overrides=overrides)))


@cli.command("config")
@click.option("--schema", is_flag=True, required=True,
              help="Print the JSON Schema of [tool.qt-lint] / qt-lint.toml.")
def config_command(schema: bool) -> None:
    """Print the JSON Schema of the configuration (for editors and CI validation)."""
    import json

    from qt_lint.config import json_schema

    click.echo(json.dumps(json_schema(), indent=2))


@cli.command("rules")
@click.option("--format", "output_format", default="text", type=click.Choice(["text", "json"]))
@click.option("--host", "host_checks", is_flag=True, help="List the host checks (qt-lint host).")
def rules_command(output_format: str, host_checks: bool) -> None:
    """List every rule (or, with --host, every host check) with its code and summary."""
    import json

    if host_checks:
        from qt_lint.host.checks import all_checks

        checks = all_checks()
        if output_format == "json":
            click.echo(json.dumps([{"code": c.code, "name": c.name, "section": c.section,
                                    "summary": c.summary} for c in checks.values()], indent=2))
            return
        for c in checks.values():
            click.echo(f"{c.code}  [{c.section}]  {c.name:<28} {c.summary}")
        return
    from qt_lint.registry import all_rules

    rules = all_rules()
    if output_format == "json":
        click.echo(json.dumps([
            {"code": r.code, "name": r.name, "severity": r.severity.value,
             "section": r.section, "kinds": sorted(k.value for k in r.kinds),
             "summary": r.summary, "fixable": r.fixable}
            for r in rules.values()
        ], indent=2))
        return
    for r in rules.values():
        click.echo(f"{r.code}  {r.severity.value[0].upper()}  [{r.section}]  "
                   f"{r.name:<28} {r.summary}")


@cli.command()
@click.argument("code", metavar="CODE|NAME")
def explain(code: str) -> None:
    """Show the documentation of one rule or host check, by code (QT101, H141) or by name
    (bare-python, unit-root)."""
    import difflib

    from qt_lint.docs import host_markdown
    from qt_lint.host.checks import all_checks
    from qt_lint.registry import all_rules

    rules = all_rules()
    checks = all_checks()
    names = {r.name: r.code for r in rules.values()}
    names.update({c.name: c.code for c in checks.values()})
    wanted = names.get(code.lower().replace("_", "-"), code.upper())
    if wanted in checks:
        click.echo(host_markdown(checks[wanted]).rstrip())
        return
    rule = rules.get(wanted)
    if rule is None:
        close = difflib.get_close_matches(wanted, [*rules, *checks], n=1) or \
            difflib.get_close_matches(code.lower(), list(names), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        what = "host check" if wanted.startswith("H") else "rule"
        raise ConfigError(f"unknown {what} code {code!r}{hint}")
    kinds = ", ".join(sorted(k.value for k in rule.kinds))
    click.echo(f"# {rule.code} {rule.name}\n")
    click.echo(f"Severity: {rule.severity.value}. Contract section: {rule.section}. "
               f"Applies to: {kinds}. Fix: {rule.fix_safety()}.\n")
    click.echo(rule.docs())


@cli.command(cls=_grouped(_HOST_SECTIONS))
@click.option("--root", default="/", show_default=True,
              help="Audit a mounted image or chroot: every path is resolved inside it.")
@click.option("--repo", help="The repository on the host (default: the contract's repo root).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Configuration (default: a root-owned <root>/etc/quantum/qt-lint.toml, "
                   "else the contract's defaults; never the repository's).")
@click.option("--redis-host", help="Live host only; the contract's first host by default.")
@click.option("--redis-port", type=click.IntRange(1, 65535),
              help="Live host only; the contract's port by default.")
@click.option("--redis-password-file", type=click.Path(dir_okay=False),
              help="Live host only: a root-owned file (mode 0600 or 0400) holding the "
                   "Redis password for AUTH.")
@click.option("--timeout", type=float, default=2.0, show_default=True,
              help="Seconds for each Redis call.")
@click.option("--time-limit", type=click.FloatRange(1, 3600), default=300.0,
              show_default=True,
              help="Seconds for the whole collection; what is not read by then is ERROR.")
@click.option("--offline", is_flag=True,
              help="An image, not a running host: live-process checks are not applicable.")
@click.option("--format", "--output-format", "output_format", default="text",
              show_default=True, type=click.Choice(["text", "json", "junit", "prometheus"]),
              help="Output format (--output-format: ruff's name).")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False),
              help="Write the report in --format to this file (atomically, mode "
                   "--output-mode); the terminal still gets the text report.")
@click.option("--output-mode", default="0600", show_default=True,
              help="The permission bits of the file -o writes (octal; 0644 for a "
                   "node_exporter textfile read by another user).")
@click.option("--failures-only", is_flag=True,
              help="Text report: only what did not pass (and the summary).")
@click.option("--color", type=_COLOR, default="auto", show_default=True,
              help="Colour: auto (a terminal, unless NO_COLOR; FORCE_COLOR forces it).")
@click.option("--no-systemd-analyze", "without_analyze", is_flag=True,
              help="Judge units without `systemd-analyze verify` (not installed here); "
                   "without this, a missing systemd-analyze is an ERROR.")
@click.option("--only", help="Comma-separated check codes or prefixes (H13,H141).")
@click.option("--service", help="Only this service (backend, quantum-backend).")
@click.option("--snapshot-out", type=click.Path(dir_okay=False),
              help="Write what was read (secrets masked) to this file.")
@click.option("--snapshot-in", type=click.Path(dir_okay=False, exists=True),
              help="Judge a recorded snapshot instead of reading the host.")
def host(root: str, repo: str | None, config_path: str | None, redis_host: str | None,
         redis_port: int | None, redis_password_file: str | None, timeout: float,
         time_limit: float, offline: bool, output_format: str, output_file: str | None,
         output_mode: str, failures_only: bool, color: str, without_analyze: bool,
         only: str | None, service: str | None, snapshot_out: str | None,
         snapshot_in: str | None) -> None:
    """Audit a live host (read-only, fail closed): exit 0 only when every check passes."""
    from qt_lint.host.run import audit_host

    raise SystemExit(audit_host(
        root=root, repo=repo, config_path=config_path, redis_host=redis_host,
        redis_port=redis_port, redis_password_file=redis_password_file, timeout=timeout,
        time_limit=time_limit, offline=offline, output_format=output_format,
        output_file=output_file, only=only, service=service, snapshot_out=snapshot_out,
        snapshot_in=snapshot_in, color=use_color(color), failures_only=failures_only,
        without_analyze=without_analyze, output_mode=_mode(output_mode)))


def _mode(text: str) -> int:
    """--output-mode: octal permission bits, never setuid, setgid or sticky."""
    try:
        mode = int(text, 8)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an octal mode such as 0600",
                                 param_hint="--output-mode") from None
    if not 0 <= mode <= 0o777:
        raise click.BadParameter(f"{text!r}: permission bits only (0000-0777)",
                                 param_hint="--output-mode")
    return mode


@cli.group()
def unit() -> None:
    """systemd unit helpers."""


@unit.command("new")
@click.argument("service")
@click.option("--script", required=True,
              help="What the venv interpreter runs: a repo path (ops/x.py) or `-m module`.")
@click.option("--oneshot", is_flag=True, help="An ops job (Type=oneshot), not a runtime unit.")
@click.option("--venv", help="The venv, when the contract's mapping does not name one.")
@click.option("--description", help="Description= (default: Quantum <service>).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
def unit_new(service: str, script: str, oneshot: bool, venv: str | None,
             description: str | None, config_path: str | None) -> None:
    """Print a golden-template unit for SERVICE (e.g. `backend`) from the contract."""
    from qt_lint.golden import render

    contract = load(config_path, Path(".")).contract
    stem = f"{contract.unit_prefix}{service}"
    if service.startswith(contract.unit_prefix):
        raise ConfigError(f"give the service without its prefix: "
                          f"{service.removeprefix(contract.unit_prefix)}")
    mapped = contract.venv_for_unit(stem) or contract.venv_for_script(
        script.split(maxsplit=1)[0].removeprefix("./"))
    chosen = venv or mapped
    if chosen is None:
        raise ConfigError(f"no venv is mapped to {stem}: add it to contract.service-venvs "
                          "or pass --venv (qt-lint does not guess)")
    if chosen not in contract.venvs:
        raise ConfigError(f"--venv: {chosen!r} is not one of contract.venvs "
                          f"({', '.join(contract.venvs)})")
    if mapped is not None and chosen != mapped:
        raise ConfigError(f"--venv: the contract maps {stem} to {mapped!r}, not {chosen!r}")
    sys.stdout.write(render(contract, service, oneshot=oneshot, script=script, venv=chosen,
                            description=description))
