"""The entry point `main(argv) -> int`, and a start-up path without click.

pre-commit starts qt-lint once per commit with the staged files, so start-up time is
the hook's cost. `main` parses the plain `qt-lint check [options] FILE...` forms itself
(the options below, nothing else) and hands every other command line, help and errors
included, to the click application in `qt_lint.cli`; both end in `run_check`, and a test
holds the two parsers to the same results.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from qt_lint.config import ConfigError
from qt_lint.exitcodes import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from qt_lint.runner import CheckOptions, run_check

# The fast path's options: flags, and options taking one value. Anything else (help, fixes,
# stdin, baselines, a malformed value) goes to click, which owns the messages.
_FLAGS = {"--isolated": "isolated", "--force-exclude": "force_exclude", "--strict": "strict",
          "--exit-zero": "exit_zero", "--statistics": "statistics", "--no-cache": "no_cache",
          "--debug": "debug", "--quiet": "quiet", "-q": "quiet"}
_VALUED = {"--format": "output_format", "--output-format": "output_format",
           "--select": "select",
           "--extend-select": "extend_select", "--ignore": "ignore", "--exclude": "exclude",
           "--extend-exclude": "extend_exclude",
           "--config": "config_path", "--output-file": "output_file", "-o": "output_file"}


def parse_fast(argv: Sequence[str]) -> CheckOptions | None:
    """The options of a plain `check` command line, or None to let click parse it."""
    if not argv or argv[0] != "check":
        return None
    from qt_lint.report import FORMATS

    options = CheckOptions()
    paths: list[Path] = []
    excludes: list[str] = []
    extend: list[str] = []
    args = list(argv[1:])
    only_paths = False
    while args:
        arg = args.pop(0)
        if only_paths or not arg.startswith("-"):
            paths.append(Path(arg))
            continue
        if arg == "--":
            only_paths = True
            continue
        name, eq, value = arg.partition("=")
        if name in _FLAGS and not eq:
            setattr(options, _FLAGS[name], True)
        elif name in _VALUED:
            if not eq:
                if not args:
                    return None
                value = args.pop(0)
            if name in ("--format", "--output-format") and value not in FORMATS:
                return None
            if name in ("--output-file", "-o") and os.path.isdir(value):
                return None  # click's message for a folder
            if name == "--config" and (("=" in value and not os.path.isfile(value))
                                       or options.config_path is not None):
                return None  # `--config KEY=VALUE` and repeated --config: click's
            if name == "--config" and os.path.exists(value) and \
                    (os.path.isdir(value) or not os.access(value, os.R_OK)):
                return None  # click's own messages for a folder or an unreadable file
            if name == "--exclude":
                excludes.append(value)
            elif name == "--extend-exclude":
                extend.append(value)
            else:
                setattr(options, _VALUED[name], value)
        else:
            return None
    options.paths, options.exclude = tuple(paths), tuple(excludes)
    options.extend_exclude = tuple(extend)
    return options


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code (testable without a subprocess)."""
    args = list(argv) if argv is not None else sys.argv[1:]
    options = parse_fast(args)
    if options is not None:
        return guarded(lambda: run_check(options), options.debug)
    return guarded(lambda: _run_click(args), "--debug" in args)


def _run_click(args: list[str]) -> int:
    import click

    from qt_lint.cli import cli

    try:
        cli.main(args=args, prog_name="qt-lint", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Abort:  # click's form of Ctrl-C (qt-lint has no prompts)
        return EXIT_INTERRUPTED
    return EXIT_OK


def guarded(run: Callable[[], int], debug: bool) -> int:
    """The exit code of `run`; errors become one line on stderr (a traceback only with
    --debug), never a traceback the user did not ask for."""
    try:
        return run()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except ConfigError as exc:
        sys.stderr.write(f"qt-lint: error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if debug:
            import traceback

            traceback.print_exc()
        sys.stderr.write(f"qt-lint: internal error: {type(exc).__name__} "
                         "(run with --debug for the traceback)\n")
        return EXIT_INTERNAL
