"""The settings extractor: values given to a name in a Python module (constants, class
fields, parameter defaults, keywords, `add_argument` defaults, dict keys, environment
lookup defaults), which rules judge by the name (`redis_url`, `auto_promotion_enabled`)."""

from __future__ import annotations

import ast
from functools import cached_property

from qt_lint.pymodel.calls import is_message_call
from qt_lint.pymodel.resolver import ENV_GETTERS, IMPORTED, Resolver
from qt_lint.record import record

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from qt_lint.parsers.python import Call, Scope


@record(frozen=True)
class Setting:
    """A value given to a name (see `PythonFacts.settings`)."""

    key: str
    value: ast.expr
    scope: Scope


def unwrap_field(node: ast.expr) -> ast.expr:
    """`field(default="x")`, `Field("x")`, `Field(default="x")` -> `"x"`."""
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else \
            func.attr if isinstance(func, ast.Attribute) else ""
        if name in ("field", "Field"):
            for kw in node.keywords:
                if kw.arg == "default":
                    return kw.value
            if node.args and name == "Field":
                return node.args[0]
    return node


class SettingsModel(Resolver):
    """`settings` of a parsed file: reads what the single pass noted."""

    calls: list[Call]
    definitions: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]
    dicts: list[ast.Dict]

    @cached_property
    def settings(self) -> list[Setting]:
        """Values given to a name: module constants, class fields (dataclass, pydantic,
        with `field(default=...)`/`Field(...)` unwrapped), parameter defaults, keyword
        arguments, `add_argument` defaults (named by their option), string keys of dict
        literals, and environment lookup defaults (named by the variable). Collected only
        when a rule asks (module scope resolves what they name)."""
        out: list[Setting] = []
        module = self.module
        for name, values in module.assigned.items():
            if len(values) == 1 and values[0] is not IMPORTED:
                out.append(Setting(name, unwrap_field(values[0]), module))
        for call in self.calls:
            if call.name in ENV_GETTERS:
                key = self.resolve(call.arg(0, "key"), call.scope)
                default = call.arg(1, "default")
                if key is not None and key.exact and default is not None:
                    out.append(Setting(key.text, default, call.scope))
                continue
            if call.attr == "add_argument":
                default = call.kwarg("default")
                option = next((a.value for a in call.node.args if isinstance(a, ast.Constant)
                               and isinstance(a.value, str)), None)
                dest = call.kwarg("dest")
                named = dest.value if isinstance(dest, ast.Constant) else option
                if default is not None and isinstance(named, str):
                    out.append(Setting(named.lstrip("-").replace("-", "_"), default, call.scope))
                continue
            if is_message_call(call.name):
                continue
            for kw in call.node.keywords:
                if kw.arg is not None:
                    out.append(Setting(kw.arg, unwrap_field(kw.value), call.scope))
        for node in self.definitions:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                positional = [*args.posonlyargs, *args.args]
                for arg, default in zip(positional[len(positional) - len(args.defaults):],
                                        args.defaults, strict=True):
                    out.append(Setting(arg.arg, default, module))
                for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
                    if kw_default is not None:
                        out.append(Setting(arg.arg, kw_default, module))
            elif isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if isinstance(stmt, ast.AnnAssign) and stmt.value is not None and \
                            isinstance(stmt.target, ast.Name):
                        out.append(Setting(stmt.target.id, unwrap_field(stmt.value), module))
                    elif isinstance(stmt, ast.Assign):
                        for target in stmt.targets:
                            if isinstance(target, ast.Name):
                                out.append(Setting(target.id, unwrap_field(stmt.value),
                                                   module))
        for mapping in self.dicts:
            for key_node, value in zip(mapping.keys, mapping.values, strict=True):
                if isinstance(key_node, ast.Constant) and isinstance(key_node.value, str):
                    out.append(Setting(key_node.value, value, module))
        return out
