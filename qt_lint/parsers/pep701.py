"""Python 3.12 f-strings (PEP 701) on interpreters whose `ast` predates them.

Python 3.12 lets an f-string's expressions reuse its quotes, hold backslashes and
comments (`f"{d["key"]}"`, `f"{"\\n".join(x)}"`). On 3.10 and 3.11 `ast.parse` rejects such
a file, so without this module the same repository would give other findings on another
interpreter. When `ast.parse` fails, libcst (whose parser knows every grammar; imported
only then, so the common path stays fast) finds the f-strings; each one the running `ast`
cannot parse alone is replaced by a placeholder of exactly its shape (a name of
underscores, parenthesised across lines), the file is parsed, and each placeholder becomes
the `ast.JoinedStr` the f-string is: its text parts as constants and each expression parsed
on its own (recursively) at its place in the file. Positions are those 3.12's own `ast`
gives, so every rule sees the same tree on every interpreter (tests/test_pythons.py runs
the Python fixtures under each CPython the machine has).
"""

from __future__ import annotations

import ast
from typing import Any


class NotPep701(Exception):
    """libcst cannot parse it either, or it holds no f-string to rewrite."""


def parse(text: str) -> ast.Module:
    """The module's tree, for a text the running `ast` rejects (NotPep701 otherwise)."""
    try:
        import libcst
        from libcst.metadata import MetadataWrapper, PositionProvider
    except ImportError:  # pragma: no cover - libcst is a dependency
        raise NotPep701 from None
    try:
        wrapper = MetadataWrapper(libcst.parse_module(text), unsafe_skip_copy=True)
    except Exception:  # libcst's ParserSyntaxError and its Rust parser's errors
        raise NotPep701 from None
    positions = wrapper.resolve(PositionProvider)
    lines = text.split("\n")
    spans: list[tuple[Any, Any]] = []  # (libcst node, its code range)

    class Finder(libcst.CSTVisitor):
        def visit_FormattedString(self, node: Any) -> bool:
            code = wrapper.module.code_for_node(node)
            if not _parses(code):
                spans.append((node, positions[node]))
                return False
            return True

    wrapper.visit(Finder())
    if not spans:
        raise NotPep701
    patched = _blank(lines, [r for _, r in spans])
    tree = ast.parse("\n".join(patched))
    by_start = {(_byte_col(lines, r.start.line, r.start.column), r.start.line): (node, r)
                for node, r in spans}
    module = wrapper.module

    class Replace(ast.NodeTransformer):
        def visit_Name(self, name: ast.Name) -> ast.AST:
            if set(name.id) != {"_"}:
                return name
            found = by_start.get((name.col_offset, name.lineno)) or by_start.get(
                (name.col_offset - 1, name.lineno))
            if found is None:
                return name
            node, r = found
            return _joined(module, node, r, lines, positions)

    fixed = Replace().visit(tree)
    assert isinstance(fixed, ast.Module)
    return fixed


def _parses(code: str) -> bool:
    try:
        ast.parse(f"(\n{code}\n)", mode="eval")
        return True
    except SyntaxError:
        return False


def _byte_col(lines: list[str], line: int, column: int) -> int:
    """ast's column (UTF-8 bytes) of libcst's (characters)."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(text[:column].encode("utf-8"))


def _blank(lines: list[str], ranges: list[Any]) -> list[str]:
    """The lines with each range replaced by a same-shape placeholder expression."""
    out = list(lines)
    for r in sorted(ranges, key=lambda r: (r.start.line, r.start.column), reverse=True):
        first, last = r.start.line - 1, r.end.line - 1
        if first == last:
            width = r.end.column - r.start.column
            text = out[first]
            out[first] = text[:r.start.column] + "_" * width + text[r.end.column:]
            continue
        head = out[first]
        width = len(head) - r.start.column
        out[first] = head[:r.start.column] + "(" + "_" * max(width - 1, 1)
        for index in range(first + 1, last):
            out[index] = " " * len(out[index])
        tail = out[last]
        out[last] = " " * max(r.end.column - 1, 0) + ")" + tail[r.end.column:]
    return out


def _joined(module: Any, node: Any, r: Any, lines: list[str], positions: Any) -> ast.JoinedStr:
    """The `ast.JoinedStr` of a libcst FormattedString, at its place in the file."""
    import libcst

    prefix = node.prefix.lower().replace("f", "")
    quote = node.start[len(node.prefix):]
    values: list[ast.expr] = []
    for part in node.parts:
        if isinstance(part, libcst.FormattedStringText):
            values.append(ast.Constant(_text(part.value, prefix, quote)))
        else:
            values.append(_formatted(module, part, lines, positions, prefix, quote))
    joined = ast.JoinedStr(values=[v for v in values
                                   if not (isinstance(v, ast.Constant) and v.value == "")])
    _place(joined, lines, r)
    for value in joined.values:
        if isinstance(value, ast.Constant):
            _place(value, lines, r)
    return joined


def _formatted(module: Any, part: Any, lines: list[str], positions: Any, prefix: str,
               quote: str) -> ast.FormattedValue:
    import libcst

    r = positions[part.expression]
    source = module.code_for_node(part.expression)
    expression = _expression(source, lines, r)
    conversion = ord(part.conversion) if part.conversion else -1
    spec = None
    if part.format_spec:
        spec = ast.JoinedStr(values=[
            ast.Constant(_text(p.value, prefix, quote))
            if isinstance(p, libcst.FormattedStringText)
            else _formatted(module, p, lines, positions, prefix, quote)
            for p in part.format_spec])
        _place(spec, lines, positions[part])
    value = ast.FormattedValue(value=expression, conversion=conversion, format_spec=spec)
    _place(value, lines, positions[part])
    return value


def _expression(source: str, lines: list[str], r: Any) -> ast.expr:
    """An f-string's expression parsed on its own, moved to where it is in the file."""
    padded = "(" + source + "\n)"
    try:
        tree: ast.AST = ast.parse(padded, mode="eval")
    except SyntaxError:
        try:
            tree = parse(f"_ = {padded}").body[0]
            assert isinstance(tree, ast.Assign)
            tree = ast.Expression(tree.value)
            shift = 4
        except (NotPep701, SyntaxError, AssertionError):
            return ast.Constant(None)
    else:
        shift = 0
    assert isinstance(tree, ast.Expression)
    start_byte = _byte_col(lines, r.start.line, r.start.column)
    delta = start_byte - 1 - shift
    for child in ast.walk(tree.body):
        if not isinstance(child, (ast.expr, ast.keyword, ast.arg, ast.comprehension)) or \
                not hasattr(child, "lineno"):
            continue
        node: Any = child
        if node.lineno == 1:
            node.col_offset += delta
        if getattr(node, "end_lineno", None) == 1:
            node.end_col_offset = (node.end_col_offset or 0) + delta
        node.lineno += r.start.line - 1
        if getattr(node, "end_lineno", None) is not None:
            node.end_lineno += r.start.line - 1
    return tree.body


def _place(node: ast.AST, lines: list[str], r: Any) -> None:
    node.lineno = r.start.line  # type: ignore[attr-defined]
    node.col_offset = _byte_col(lines, r.start.line, r.start.column)  # type: ignore[attr-defined]
    node.end_lineno = r.end.line  # type: ignore[attr-defined]
    node.end_col_offset = _byte_col(lines, r.end.line, r.end.column)  # type: ignore[attr-defined]


def _text(raw: str, prefix: str, quote: str) -> str:
    """An f-string's literal part as a value (`{{` is `{`, escapes decoded unless raw)."""
    raw = raw.replace("{{", "{").replace("}}", "}")
    if "r" in prefix or "\\" not in raw:
        return raw
    try:
        value = ast.literal_eval('"""' + raw.replace('"', '\\"') + '"""')
    except (SyntaxError, ValueError):
        return raw
    return value if isinstance(value, str) else raw
