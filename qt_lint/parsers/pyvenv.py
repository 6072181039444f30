"""`pyvenv.cfg` read the way CPython reads it, proven against CPython's own `sys.path` and
`sys.base_prefix` in venvs made by tests/test_readers_host.py:

- lines as Python's text mode splits them (LF, CRLF, CR); a line without `=` is ignored;
  key and value are `str.strip()`ped, the key lower-cased;
- `include-system-site-packages`: site.py includes the system site-packages only when the
  value is `true` in any case (`false`, `no`, `yes`, `0` all isolate the venv); a file
  without the key includes them; the last line wins;
- `home`: the interpreter's folder, from the *first* `home` line (getpath stops there).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Pyvenv:
    """What a virtual environment's pyvenv.cfg says."""

    home: str | None
    system_site: bool  # the system site-packages are on sys.path
    system_site_value: str | None  # the value as written (None: no such line)


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def read_pyvenv(text: str) -> Pyvenv:
    home: str | None = None
    system_site = "true"
    written: str | None = None
    for line in _lines(text):
        if "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().lower()
        value = value.strip()
        if key == "include-system-site-packages":
            system_site = value.lower()
            written = value
        elif key == "home" and home is None:
            home = value
    return Pyvenv(home, system_site == "true", written)
