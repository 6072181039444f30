"""What an install pulls in: no Redis library (the host audit speaks RESP itself), libcst
only on the Pythons whose `ast` cannot parse PEP 701 f-strings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _project() -> dict[str, object]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    project: dict[str, object] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project


def test_redis_is_only_in_the_host_extra_and_libcst_only_before_3_12() -> None:
    from packaging.markers import Marker
    from packaging.requirements import Requirement

    project = _project()
    deps = [Requirement(d) for d in project["dependencies"]]  # type: ignore[attr-defined]
    names = {r.name for r in deps}
    assert "redis" not in names
    extras = project["optional-dependencies"]
    assert extras["host"] == []  # type: ignore[index]  # kept so `qt-lint[host]` installs
    libcst = next(r for r in deps if r.name == "libcst")
    assert libcst.marker is not None
    for version, wanted in (("3.10", True), ("3.11", True), ("3.12", False), ("3.13", False)):
        assert Marker(str(libcst.marker)).evaluate({"python_version": version}) is wanted
    # and where libcst is not installed, qt-lint never imports it: 3.12's ast parses PEP 701
    assert "sys.version_info < (3, 12)" in (ROOT / "qt_lint/parsers/python.py").read_text()


def test_host_never_imports_redis_py(tmp_path: Path) -> None:
    """The live Redis checks with redis-py poisoned (an import would fail): they run on the
    audit's own client, never a traceback and never a verdict about a missing library."""
    from tests.hosttree import free_port

    code = ("import sys; sys.modules['redis'] = None\n"  # what an absent package looks like
            "from qt_lint.main import main\n"
            f"sys.exit(main(['host', '--only', 'H10', '--redis-port', '{free_port()}', "
            "'--timeout', '1', '--format', 'json']))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stdout + proc.stderr  # nothing listens: never a pass
    checks = [c for c in json.loads(proc.stdout)["checks"] if c["code"] == "H101"]
    assert checks and {c["status"] for c in checks} == {"error"}
    assert not any("redis-py" in json.dumps(c) for c in checks), checks
