"""What calls mean, for the rules: logging and message calls, file writes and deletes."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from qt_lint.record import record

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from qt_lint.parsers.python import Call, PythonFacts
    from qt_lint.pymodel.resolver import Sym

LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical",
                         "fatal", "log"})


def is_logging_call(name: str) -> bool:
    """`logging.info`, `logger.error`, `self.log.debug`, `LOG.warning`, `print`."""
    if name in ("print", "builtins.print"):
        return True
    receiver, _, method = name.rpartition(".")
    if method not in LOG_METHODS:
        return False
    last = receiver.rsplit(".", 1)[-1].lower()
    return receiver == "logging" or "log" in last


def is_message_call(name: str | None) -> bool:
    """Calls whose string arguments are messages for people, not values the code uses."""
    if not name:
        return False
    last = name.rsplit(".", 1)[-1]
    return (is_logging_call(name) or last.endswith(("Error", "Exception", "Warning"))
            or name in ("warnings.warn", "click.echo", "argparse.ArgumentParser",
                        ".add_argument", ".add_parser"))


_WRITE_TWO = frozenset({"shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree",
                        "shutil.move", "os.rename", "os.replace", "os.link", "os.symlink"})
_DELETE = frozenset({"os.remove", "os.unlink", "os.rmdir", "shutil.rmtree",
                     "os.removedirs"})
_SAVE_SECOND = frozenset({"torch.save", "joblib.dump", "pickle.dump", "dill.dump"})
_PATH_WRITE_METHODS = frozenset({"write_text", "write_bytes", "touch"})


@record(frozen=True)
class FileOp:
    """A write or delete of a file that a Python call makes."""

    op: str  # "write" or "delete"
    path: Sym
    node: ast.expr  # where to report
    call: Call


def file_ops(facts: PythonFacts) -> Iterator[FileOp]:
    """Writes and deletes whose path resolves, from the common APIs."""
    for call in facts.calls:
        name = call.name
        target: ast.expr | None = None
        op = "write"
        if name in ("open", "io.open", "builtins.open") or (call.attr == "open" and \
                name not in ("os.open", "gzip.open", "tarfile.open", "zipfile.open")):
            if call.attr == "open" and name not in ("open", "io.open", "builtins.open"):
                name = ".open"
            mode_node = call.arg(1, "mode") if name != ".open" else call.arg(0, "mode")
            mode = facts.resolve(mode_node, call.scope) if mode_node is not None else None
            if mode is None or not any(c in mode.text for c in "wax+"):
                continue
            target = call.arg(0, "file") if name != ".open" else _receiver(call)
        elif name in _WRITE_TWO:
            target = call.arg(1, "dst")
        elif name in _DELETE:
            target, op = call.arg(0, "path"), "delete"
        elif name in _SAVE_SECOND:
            target = call.arg(1, "f") or call.arg(1, "filename")
        elif name in ("numpy.save", "np.save", "numpy.savez"):
            target = call.arg(0, "file")
        elif call.attr in _PATH_WRITE_METHODS and isinstance(call.node.func, ast.Attribute):
            target = _receiver(call)
        elif call.attr in ("unlink", "rmdir") and name not in _DELETE and \
                isinstance(call.node.func, ast.Attribute):
            target, op = _receiver(call), "delete"
        elif call.attr in ("symlink_to", "hardlink_to") and \
                isinstance(call.node.func, ast.Attribute):
            target = _receiver(call)  # the link is created at the receiver
        elif call.attr in ("rename", "replace") and name not in _WRITE_TWO \
                and not name.startswith("str") and call.arg(0, "target") is not None:
            target = call.arg(0, "target")
        elif call.attr in ("save", "save_model", "to_pickle", "dump_model") and \
                not name.startswith(("torch.", "joblib.", "pickle.")):
            target = call.arg(0, "path") or call.arg(0, "fname")
        if target is None:
            continue
        path = facts.resolve(target, call.scope)
        if path is not None:
            yield FileOp(op, path, target, call)


def _receiver(call: Call) -> ast.expr | None:
    func = call.node.func
    return func.value if isinstance(func, ast.Attribute) else None
