"""The one way rules and host checks are registered and loaded: a module of their package
defines classes of the base class, each with a `code`; nothing lists them by hand. Rule
modules are `qt_lint/rules/<family>/qtNNN_<name>.py` (one rule each, found by their file
name); host check modules are the modules of `qt_lint/host/checks/`. A run reaches only the
rule modules it needs through the index generated from this walk (`qt_lint/rules/index.py`).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from qt_lint import lazyre

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from typing import ClassVar, Protocol, TypeVar
else:
    Protocol = object  # a plain base at run time (nothing checks it with isinstance)

_RULE_MODULE = lazyre.compile(r"^qt\d{3}_\w+$")


class Coded(Protocol):
    code: ClassVar[str]


if TYPE_CHECKING:
    T = TypeVar("T", bound=Coded)


def defined_in(module_name: str, base: type[T]) -> list[type[T]]:
    """The subclasses of `base` a module defines (not those it imports), in their order."""
    module = importlib.import_module(module_name)
    return [obj for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, base) and obj is not base
            and obj.__module__ == module.__name__]


def by_code(classes: Iterable[type[T]]) -> dict[str, type[T]]:
    """Classes by code, in code order; a code defined twice is a bug, not a choice."""
    found: dict[str, type[T]] = {}
    for cls in classes:
        if cls.code in found:
            raise RuntimeError(f"{cls.code} is defined twice")
        found[cls.code] = cls
    return dict(sorted(found.items()))


def modules_of(package: str) -> list[str]:
    """The modules directly in a package (not its sub-packages), by name."""
    import pkgutil  # only to list them all (rules, explain, docs, host): not a one-file check

    spec = importlib.import_module(package)
    return sorted(info.name for info in pkgutil.iter_modules(spec.__path__) if not info.ispkg)


def rule_modules() -> list[str]:
    """Every rule module, as `family.qtNNN_name`, in code order."""
    import pkgutil

    package = importlib.import_module("qt_lint.rules")
    out = []
    for family in pkgutil.iter_modules(package.__path__):
        if family.ispkg:
            out += [f"{family.name}.{name}" for name in modules_of(f"qt_lint.rules.{family.name}")
                    if _RULE_MODULE.match(name)]
    return sorted(out, key=lambda m: m.split(".")[1])
