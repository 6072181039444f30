"""A plain, non-editable `pip install <checkout>` gives a working console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_wheel_install_in_new_venv(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin/pip"), "install", "-q", "--disable-pip-version-check",
                          str(ROOT)], capture_output=True, text=True, timeout=900)
    assert pip.returncode == 0, pip.stderr[-2000:]
    exe = venv / "bin/qt-lint"
    for args, needle in ((["--version"], "qt-lint, version"), (["rules"], "QT301"),
                         (["explain", "QT301"], "## What it does")):
        proc = subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert needle in proc.stdout
    # installed as a wheel: the package lives in site-packages, not in this checkout
    where = subprocess.run([str(venv / "bin/python"), "-c",
                            "import qt_lint; print(qt_lint.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path).stdout
    assert str(ROOT) not in where and "site-packages" in where
