"""What a unit's other settings change about the program its `ExecStart=` names: a bind
mount over the venv or the interpreter, a root directory (the absolute venv path is then
resolved inside it), system images overlaid on `/usr` and `/opt`, and `PYTHONPATH=` /
`PYTHONHOME=` in `Environment=`. One reading for `qt-lint check` (QT103, QT405) and the
host audit (H145); the values are read by `qt_lint.parsers.unitvalues`, as systemd reads
them.

A value holding a run-time specifier (`%H`, `%m`...) is not judged: what it names is the
machine's (docs/threat-model.md).
"""

from __future__ import annotations

import posixpath

from qt_lint import lazyre
from qt_lint.command_model import venv_of
from qt_lint.config import Contract
from qt_lint.parsers.systemd import (
    Assignment,
    Unit,
    exec_commands,
    program_place,
    specified,
    system_path,
)
from qt_lint.parsers.unitvalues import (
    EnvSetting,
    bind_mounts,
    environment,
    path_setting,
)
from qt_lint.parsers.unitvalues import bind_sources as _bind_sources
from qt_lint.record import record

# where a system interpreter and its standard library live: a venv's `bin/python` is a
# symbolic link to one of them (`home=` of pyvenv.cfg)
_INTERPRETER = lazyre.compile(r"^/(?:usr/(?:local/)?)?(?:bin|lib(?:64)?)/python[0-9.]*(?:/|$)")
_SYSTEM_PACKAGES = lazyre.compile(r"^/(?:usr/(?:local/)?)?lib(?:64)?/python[0-9.]*(?:/|$)|"
                              r"/(?:dist|site)-packages(?:/|$)")
ROOT_KEYS = ("RootDirectory", "RootImage")
OVERLAY_KEYS = ("ExtensionImages", "ExtensionDirectories")


@record(frozen=True, slots=True)
class Change:
    """One setting that changes what `ExecStart=` runs."""

    assignment: Assignment
    index: int  # where the entry starts in the assignment's value
    setting: str  # the entry as written, `KEY=value`
    what: str  # what it does, for the message
    venv: str | None = None  # another configured venv it brings in (QT103), else QT405


def _under(path: str, place: str) -> bool:
    place = place.rstrip("/") or "/"
    return path == place or path.startswith(place.rstrip("/") + "/")


def _over_interpreter(path: str, contract: Contract) -> str | None:
    """What of the venvs or the system interpreter a bind destination lies over."""
    venvs = contract.venv_root.rstrip("/")
    if _under(path, venvs) or _under(venvs, path):
        return path if _under(path, venvs) else venvs
    if _INTERPRETER.match(path):
        return path
    for place in ("/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3",
                  "/usr/lib/python3"):
        if _under(place, path):
            return path
    return None


def _venv_in(path: str, contract: Contract) -> str | None:
    root = contract.venv_root.rstrip("/") + "/"
    if not path.startswith(root):
        return None
    venv = path[len(root):].split("/", 1)[0]
    return venv if venv in contract.venvs else None


def own_venv(unit: Unit, contract: Contract) -> str | None:
    """The venv the contract gives the unit (the mapping), else the one its `ExecStart=`
    names."""
    mapped = contract.venv_for_unit(unit.stem)
    if mapped is not None:
        return mapped
    start = unit.last("Service", "ExecStart")
    commands = exec_commands(start.value) if start is not None and start.value else []
    if not commands:
        return None
    return venv_of(program_place(system_path(specified(commands[0][0].text))), contract)


def interpreter_changes(unit: Unit, contract: Contract) -> list[Change]:
    """Bind mounts over a venv or a system interpreter, root directories and `/usr`/`/opt`
    overlays of a merged service unit."""
    out: list[Change] = []
    mine = own_venv(unit, contract)
    for bind in bind_mounts(unit):
        if bind.dynamic or bind.source == bind.destination:
            continue  # the machine's; or the path made read-only over itself
        over = _over_interpreter(bind.destination, contract)
        if over is None:
            continue
        other = _venv_in(bind.source, contract)
        setting = f"{bind.assignment.key}={'-' if bind.ignore_missing else ''}" \
                  f"{bind.source}:{bind.destination}"
        if other is not None and other != mine:
            out.append(Change(bind.assignment, bind.index, setting,
                              f"puts venv `{other}` over {over}", other))
        else:
            out.append(Change(bind.assignment, bind.index, setting,
                              f"puts {bind.source} over {over}"))
    for key in ROOT_KEYS:
        found = path_setting(unit, key)
        if found is not None and found[0] != "/" and not found[2]:
            inside = "the image " if key == "RootImage" else ""
            out.append(Change(found[1], 0, f"{key}={found[0]}",
                              f"resolves every absolute path, the venv's interpreter too, "
                              f"inside {inside}{found[0]}"))
    for key in OVERLAY_KEYS:
        for a in unit.values("Service", key):
            out.append(Change(a, 0, f"{key}={a.value}",
                              "overlays /usr and /opt, the venvs and the interpreter, "
                              "with a system extension's files"))
    return out


@record(frozen=True, slots=True)
class PathProblem:
    """A unit setting that changes what the venv interpreter runs: the setting, what it
    brings in (for the message) and the other configured venv it names, if any."""

    setting: EnvSetting
    what: str  # what the value brings in, for the message
    venv: str | None  # another configured venv


def python_path_problems(unit: Unit, contract: Contract) -> list[PathProblem]:
    """`PYTHONPATH=` entries that are not the repository root (the one the contract's
    wrapper sets, section G), and any `PYTHONHOME=`, in the merged `Environment=`."""
    env = environment(unit)
    out: list[PathProblem] = []
    home = env.get("PYTHONHOME")
    if home is not None and home.value:
        out.append(PathProblem(home, "gives the venv's interpreter another prefix, its "
                                     "standard library and packages", None))
    path = env.get("PYTHONPATH")
    if path is None:
        return out
    workdir = unit.last("Service", "WorkingDirectory")
    cwd = workdir.value.lstrip("-") if workdir is not None and workdir.value else "/"
    root = posixpath.normpath(contract.repo_root)
    mine = own_venv(unit, contract)
    parts = path.value.split(":")
    for part in parts:
        named = f" ({part})" if len(parts) > 1 else ""
        if not part:
            continue  # CPython reads an empty entry as the working directory (QT404's)
        full = posixpath.normpath(posixpath.join(cwd, part))
        if full == root and "%" not in part:
            continue
        other = _venv_in(full, contract)
        if other is not None and other != mine:
            out.append(PathProblem(path, f"imports venv `{other}`'s packages{named}", other))
        elif _SYSTEM_PACKAGES.search(full) and not _under(full, contract.venv_root):
            out.append(PathProblem(path, f"imports system packages{named}", None))
        else:
            out.append(PathProblem(path, f"puts {part} before the venv's packages", None))
        break  # one finding for the setting
    return out


def judged_units(unit: Unit, document: object, installed_alone: bool) -> list[Unit]:
    """The unit as systemd merges it, and, for a fragment whose drop-ins the contract's
    install step does not copy (`cp systemd/*.service`, section K), the fragment alone."""
    out = [unit]
    if installed_alone and unit.dropins and unit.fragment is document:
        out.append(Unit(unit.name, unit.fragment, []))
    return out


def bind_sources(value: str) -> list[tuple[str, int]]:
    """Each `BindPaths=` entry's source as written, and where the entry starts (QT205)."""
    return _bind_sources(value)
