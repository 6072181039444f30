"""The rule registry: every rule class, by code, and which run for a file kind.

Rule modules are found by `qt_lint.plugins` (as host checks are); importing them is cheap because
rules reach the parsers (`ast`, tree-sitter-bash) only through `FileContext`, which
imports each parser the first time a file of its kind needs it. A check imports only the
modules of the kinds it meets, through the generated `qt_lint.rules.index`.
"""

from __future__ import annotations

import functools

from qt_lint.finding import Kind
from qt_lint.rule import Rule


@functools.cache
def load(module_name: str) -> type[Rule]:
    """The one Rule subclass a rule module defines."""
    from qt_lint.plugins import defined_in

    found = defined_in(f"qt_lint.rules.{module_name}", Rule)
    if len(found) != 1:
        raise RuntimeError(f"{module_name}: expected one Rule subclass, found {len(found)}")
    return found[0]


@functools.cache
def all_rules() -> dict[str, type[Rule]]:
    """Every rule, imported (for `rules`, `explain`, the docs); checks import by kind."""
    from qt_lint.plugins import by_code, rule_modules

    return by_code(load(module_name) for module_name in rule_modules())


@functools.cache
def known_codes() -> frozenset[str]:
    from qt_lint.rules.index import INDEX

    return frozenset(INDEX)


def expand(patterns: tuple[str, ...]) -> set[str]:
    """Codes matching each pattern: an exact code, a prefix (`QT3`), or `ALL`."""
    codes = known_codes()
    out: set[str] = set()
    for pattern in patterns:
        if pattern == "ALL":
            out.update(codes)
        else:
            out.update(code for code in codes if code.startswith(pattern))
    return out


@functools.cache
def rule(code: str) -> type[Rule]:
    """One rule by code, importing only its module (the engine's QT001-QT003 too)."""
    from qt_lint.rules.index import INDEX

    return load(INDEX[code][0])


@functools.cache
def rules_for(kind: Kind, active: frozenset[str]) -> tuple[Rule, ...]:
    """Instances of the active rules for a kind; only their modules are imported."""
    from qt_lint.rules.index import INDEX

    out = []
    for code, (module_name, kinds, engine_reported) in sorted(INDEX.items()):
        if code in active and kind.value in kinds and not engine_reported:
            out.append(load(module_name)())
    return tuple(out)
