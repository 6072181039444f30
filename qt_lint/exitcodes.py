"""Exit codes, the contract with CI and pre-commit, for `qt-lint check` and `qt-lint host`:

0    no finding of error severity (warnings alone pass unless --strict); host: every
     check passed
1    findings of error severity (or warnings with --strict); host: a check failed or could
     not verify
2    usage or configuration error
3    internal error (one line; the traceback only with --debug)
130  interrupted (Ctrl-C)
"""

from __future__ import annotations

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # the shell's code for SIGINT, on either command-line path
