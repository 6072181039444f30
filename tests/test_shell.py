"""Shell analysis details that fixtures show less directly."""

from __future__ import annotations

from pathlib import Path

from qt_lint.api import check
from qt_lint.config import Config
from qt_lint.parsers.makefile import parse_makefile
from qt_lint.parsers.shell import parse_shell


def _codes(tmp_path: Path, name: str, text: str) -> list[tuple[int, int, str]]:
    (tmp_path / name).write_text(text)
    findings = check([tmp_path], Config(root=tmp_path), jobs=1).findings
    return [(f.line, f.column, f.code) for f in findings]


def test_broken_script_is_reported_once_and_still_analysed(tmp_path: Path) -> None:
    text = "#!/bin/bash\nif [ -f x ]; then\n    python3 x.py\n"
    assert _codes(tmp_path, "a.sh", text) == [(3, 5, "QT101"), (4, 1, "QT001")]


def test_columns_count_characters_not_bytes() -> None:
    analysis = parse_shell('echo "é€" && python3 x.py\n')
    assert [(c.name, c.program.column) for c in analysis.commands] == [
        ("echo", 1), ("python3", 14)]


def test_nested_positions() -> None:
    analysis = parse_shell("x=1\n  bash -c 'cd /a; sh -c \"python3 y.py\"'\n")
    inner = [c for c in analysis.commands if c.name == "python3"]
    assert [(c.program.line, c.program.column) for c in inner] == [(2, 26)]


def test_makefile_positions_point_at_the_variable() -> None:
    text = "PY := python3\nRUN = ops/run.sh ai-engine\nall:\n\t@$(PY) a.py && $(RUN) b.py\n"
    analysis = parse_makefile(text)
    assert [(c.name, c.program.line, c.program.column) for c in analysis.commands] == [
        ("python3", 4, 3), ("run.sh", 4, 17)]


def test_recipe_prefix_and_dollar_escape() -> None:
    text = ".RECIPEPREFIX = >\nall:\n> echo $$HOME && python3 x.py\n"
    analysis = parse_makefile(text)
    assert [c.name for c in analysis.commands] == ["echo", "python3"]
    assert analysis.commands[0].args[0].text == "$HOME"


def test_heredoc_fed_to_a_shell_only() -> None:
    """A heredoc is shell when a shell reads it, or ssh's remote login shell (no remote
    command, or a shell as the remote command); not when data goes to another program."""
    text = ("sh <<'X'\npython3 a.py\nX\nssh host <<X\npython3 b.py\nX\ntee f <<X\npython3 c\nX\n"
            "ssh host cat <<X\npython3 d\nX\nssh -p 22 host sh -s <<X\npython3 e\nX\n")
    names = [(c.name, c.program.line) for c in parse_shell(text).commands]
    assert names == [("sh", 1), ("python3", 2), ("ssh", 4), ("python3", 5), ("tee", 7),
                     ("ssh", 10), ("cat", 10), ("ssh", 13), ("sh", 13), ("python3", 14)]


def test_quoting_and_escapes() -> None:
    words = parse_shell('echo "a\\"b\\d" \'c\\d\' e\\ f\n').commands[0].args
    assert [w.text for w in words] == ['a"b\\d', "c\\d", "e f"]


def test_bash_grammar_loads_without_the_package_init() -> None:
    """The grammar comes from tree-sitter-bash's extension module alone (its package
    `__init__` imports importlib.resources); it is the same grammar as the package's."""
    import subprocess
    import sys

    code = ("import sys\nfrom qt_lint.parsers.shell import _bash_language\n"
            "from tree_sitter import Language\nlang = Language(_bash_language())\n"
            "assert 'tree_sitter_bash' not in sys.modules\n"
            "assert 'importlib.resources' not in sys.modules\n"
            "import tree_sitter_bash\nother = Language(tree_sitter_bash.language())\n"
            "print(lang.node_kind_count == other.node_kind_count > 100, "
            "lang.abi_version == other.abi_version)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True"]


def test_what_a_script_writes_is_the_file_after_the_script() -> None:
    """`>` starts a file again, `>>` and `tee -a` add to it, in script order; every line of
    the text keeps the script line (and, for echo/printf, the column) it came from."""
    script = ("echo '[Service]' > /etc/x.service\n"          # 1
              "echo 'User=root' >> /etc/x.service\n"         # 2
              "printf 'A=%s\\nB=%s\\n' 1 2 > /etc/y.env\n"   # 3
              "echo 'C=3' | tee -a /etc/y.env\n"             # 4
              "echo 'old' > /etc/y.env\n"                    # 5: starts y.env again
              "echo -n 'x' >> /etc/z.conf\n")                # 6: nothing before it
    written = {w.path: w for w in parse_shell(script).written}
    unit = written["/etc/x.service"]
    assert (unit.text, unit.rows, unit.append) == ("[Service]\nUser=root\n", (1, 2, 2), False)
    assert unit.at(2, 1) == (2, 6)  # `User=root` reported at the echo's argument
    assert written["/etc/y.env"].text == "old\n"
    assert (written["/etc/z.conf"].text, written["/etc/z.conf"].append) == ("x", True)


def test_printf_fills_its_format_again_for_more_arguments() -> None:
    written = parse_shell("printf '%s=1\\n' A B C > /etc/q.env\n").written
    assert written[0].text == "A=1\nB=1\nC=1\n"


def test_redirect_after_a_heredoc_start_then_a_pipe_parses() -> None:
    analysis = parse_shell("cat - <<'PY' 2>&1 | tee /var/log/quantum/x.log\nprint(1)\nPY\n"
                           "python3 run.py\n")
    assert analysis.errors == []
    tee = next(c for c in analysis.commands if c.name == "tee")
    assert (tee.args[0].text, tee.args[0].line, tee.args[0].column) == \
        ("/var/log/quantum/x.log", 1, 25)
    assert [c.name for c in analysis.commands][-1] == "python3"


def test_printf_without_a_conversion_does_not_loop() -> None:
    """`printf '100%%' a b`: no conversion takes the arguments; printf prints the format
    once (a pull request's script must not hang the gate)."""
    written = parse_shell("printf '100%%\\n' a b > /etc/q.env\n").written
    assert written[0].text == "100%\n"


def test_many_appends_to_one_file_stay_linear() -> None:
    import time

    lines = 4000
    script = "echo '[Service]' > /etc/systemd/system/q.service\n" + \
        "echo 'Environment=A=1' >> /etc/systemd/system/q.service\n" * lines
    start = time.perf_counter()
    (unit,) = parse_shell(script).written
    assert time.perf_counter() - start < 5
    assert unit.text.count("\n") == lines + 1 and len(unit.rows) == lines + 2
    assert unit.at(lines + 1, 1) == (lines + 1, 6)


def test_an_empty_write_is_no_line() -> None:
    (written,) = parse_shell("echo -n '' > /etc/x.env\necho A=1 >> /etc/x.env\n").written
    assert (written.text, written.at(1, 1)) == ("A=1\n", (2, 6))
