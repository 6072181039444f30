"""The CI gate: SARIF, annotations, JUnit, GitLab, baseline, --diff-base, cache."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from qt_lint.api import check
from qt_lint.cache import ResultCache
from qt_lint.config import Config
from qt_lint.settings import RunSettings
from tests.conftest import FIXTURES, ROOT, git, qt_lint

FAMILIES = ["python/qt101", "python/qt306", "shell/qt303", "systemd-unit/qt402",
            "env-file/qt305", "compose/qt501", "makefile/qt102", "crontab/qt101",
            "config/qt502", "python/qt601", "shell/qt702", "python/qt001"]


def _every_family(repo: Path) -> Path:
    for case in FAMILIES:
        shutil.copytree(FIXTURES / case / "fire", repo / case.replace("/", "-"))
    (repo / "qt-lint.toml").write_text("")
    git("add", "-A", cwd=repo)
    return repo


def test_sarif_validates_against_the_official_schema(repo: Path) -> None:
    _every_family(repo)
    proc = qt_lint("check", "--format", "sarif", ".", cwd=repo)
    doc = json.loads(proc.stdout)
    schema = json.loads((ROOT / "tests/data/sarif-schema-2.1.0.json").read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(doc)
    run = doc["runs"][0]
    codes = {r["ruleId"] for r in run["results"]}
    assert {"QT101", "QT306", "QT303", "QT402", "QT305", "QT501", "QT102", "QT502", "QT601",
            "QT702", "QT001"} <= codes
    rules = run["tool"]["driver"]["rules"]
    assert all(r["properties"]["contract-section"] for r in rules)
    assert all(r["partialFingerprints"]["qtLintFingerprint/v1"] for r in run["results"])
    assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
               for r in run["results"])


def test_fingerprints_survive_lines_moving(repo: Path) -> None:
    (repo / "job.sh").write_text("#!/bin/bash\npython3 a.py\n")
    first = json.loads(qt_lint("check", "--format", "json", ".", cwd=repo).stdout)
    (repo / "job.sh").write_text("#!/bin/bash\n" + "echo pad\n" * 20 + "python3   a.py\n")
    second = json.loads(qt_lint("check", "--format", "json", ".", cwd=repo).stdout)
    assert [f["fingerprint"] for f in first["findings"]] == [
        f["fingerprint"] for f in second["findings"]]
    assert first["findings"][0]["line"] != second["findings"][0]["line"]


def test_github_annotations_escape(tmp_path: Path) -> None:
    from qt_lint.finding import Finding
    from qt_lint.report import summarise
    from qt_lint.report.github_format import render

    f = Finding("a,b:c.sh", 3, 7, "QT101", "50% of\nlines", name="bare-python")
    out = render([f], summarise([f], 1), color=False, statistics=False)
    assert out == ("::error file=a%2Cb%3Ac.sh,line=3,col=7,title=QT101 bare-python::"
                   "50%25 of%0Alines\n")


def test_junit_and_gitlab(repo: Path) -> None:
    _every_family(repo)
    suite = ET.fromstring(qt_lint("check", "--format", "junit", ".", cwd=repo).stdout)
    cases = suite.findall(".//testcase")
    assert len(cases) == int(suite.get("tests") or 0) > 10
    assert all(c.find("failure") is not None for c in cases)
    issues = json.loads(qt_lint("check", "--format", "gitlab", ".", cwd=repo).stdout)
    assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issues[0])
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_statistics_text_and_json(repo: Path) -> None:
    (repo / "a.sh").write_text("python3 a.py\npython3 b.py\nchmod 777 x\n")
    text = qt_lint("check", "--statistics", ".", cwd=repo).stdout
    assert "2  QT101  bare-python" in text and "1  QT702  world-writable" in text
    doc = json.loads(qt_lint("check", "--statistics", "--format", "json", ".", cwd=repo).stdout)
    assert doc["statistics"][0] == {"code": "QT101", "name": "bare-python", "count": 2}


def test_baseline_adoption_cycle(repo: Path) -> None:
    (repo / "ops").mkdir()
    job = repo / "ops" / "job.sh"
    job.write_text("#!/bin/bash\npython3 a.py && python3 a.py\nchmod 777 /opt/x\n")
    (repo / ".env").write_text("A=1\n")
    git("add", "-A", cwd=repo)
    base = ".qt-lint-baseline.json"
    adopt = qt_lint("check", "--write-baseline", base, ".", cwd=repo)
    assert adopt.returncode == 0 and "Wrote 4 findings" in adopt.stdout
    document = json.loads((repo / base).read_text())
    counts = {(e["path"], e["code"]): e["count"] for e in document["findings"]}
    assert counts[("ops/job.sh", "QT101")] == 2  # two identical findings on one line
    assert qt_lint("check", "--baseline", base, ".", cwd=repo).returncode == 0
    # a new breach: only it is reported
    job.write_text(job.read_text() + "docker ps\n")
    new = qt_lint("check", "--baseline", base, "--format", "json", ".", cwd=repo)
    assert new.returncode == 1
    assert [(f["code"], f["line"]) for f in json.loads(new.stdout)["findings"]] == [
        ("QT501", 4)]
    job.write_text(job.read_text().replace("docker ps\n", ""))
    # 20 lines inserted at the top of a file with baselined findings: still clean
    lines = job.read_text().split("\n", 1)
    job.write_text(lines[0] + "\n" + "echo padding\n" * 20 + lines[1])
    assert qt_lint("check", "--baseline", base, ".", cwd=repo).returncode == 0
    # fixing a baselined finding: reported as stale, exit 0
    job.write_text(job.read_text().replace("chmod 777 /opt/x\n", ""))
    fixed = qt_lint("check", "--baseline", base, ".", cwd=repo)
    assert fixed.returncode == 0
    assert "1 baseline entry no longer match" in fixed.stdout
    doc = json.loads(qt_lint("check", "--baseline", base, "--format", "json", ".",
                             cwd=repo).stdout)
    assert doc["summary"]["stale_baseline_entries"] == 1
    # the config key works like the option; a broken baseline is exit 2
    (repo / "qt-lint.toml").write_text(f'baseline = "{base}"\n')
    assert qt_lint("check", ".", cwd=repo).returncode == 0
    (repo / base).write_text("{not json")
    broken = qt_lint("check", ".", cwd=repo)
    assert broken.returncode == 2 and "not a qt-lint baseline" in broken.stderr


def test_diff_base_reports_only_new_code(repo: Path) -> None:
    (repo / "old.sh").write_text("#!/bin/bash\npython3 old.py\necho ok\n")
    (repo / ".env").write_text("A=1\n")
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "base", cwd=repo)
    (repo / "old.sh").write_text("#!/bin/bash\npython3 old.py\necho changed\npython3 new.py\n")
    (repo / "deploy").mkdir()
    (repo / "deploy" / "x.env.example").write_text("A=\n")  # a new file: counts whole
    proc = qt_lint("check", "--diff-base", "HEAD", "--format", "json", ".", cwd=repo)
    got = [(f["path"], f["line"], f["code"]) for f in json.loads(proc.stdout)["findings"]]
    assert got == [("deploy/x.env.example", 1, "QT302"), ("deploy/x.env.example", 1, "QT307"),
                   ("old.sh", 4, "QT101")]
    assert proc.returncode == 1
    bad = qt_lint("check", "--diff-base", "no-such-rev", ".", cwd=repo)
    assert bad.returncode == 2 and "no-such-rev" in bad.stderr


def test_cache_warm_then_one_change(tmp_path: Path) -> None:
    src = tmp_path / "src"
    for case in ("python/qt101", "shell/qt101", "python/qt201", "systemd-unit/qt402"):
        shutil.copytree(FIXTURES / case / "fire", src / case.replace("/", "-"))
    config = Config(root=src)
    cache = ResultCache(tmp_path / "cache", RunSettings.build(config))
    cold = check([src], config, jobs=1, cache=cache)
    warm = check([src], config, jobs=1, cache=cache)
    assert warm.findings == cold.findings
    assert warm.analysed == 0
    target = next(src.rglob("positions.sh"))
    target.write_text(target.read_text() + "python3 more.py\n")
    after = check([src], config, jobs=1, cache=cache)
    assert after.analysed == 1  # only the changed file
    assert len(after.findings) == len(cold.findings) + 1
    # a unit's findings depend on the other units: changing one re-checks them all
    unit = next(src.rglob("quantum-backend.service"))
    unit.write_text(unit.read_text().replace("User=root", "User=qt"))
    units = sum(1 for p in src.rglob("*") if p.suffix in (".service", ".socket", ".timer",
                                                        ".conf"))
    assert check([src], config, jobs=1, cache=cache).analysed == units
    # one folder per configuration, one entry per file (a one-file run reads and writes its
    # own); a corrupt or truncated entry is ignored and rebuilt, the others still serve; no
    # temp file is left behind, beside the folder only the memo of qt-lint's code digest
    # (see test_cache_keyed_by_code)
    folders = [p for p in (tmp_path / "cache").iterdir() if not p.name.startswith("code-")]
    assert len(folders) == 1 and folders[0].is_dir()
    entries = sorted(p for p in folders[0].iterdir() if not p.name.startswith("memo-")
                     and p.name != "used")
    assert len(entries) == sum(1 for p in src.rglob("*") if p.is_file())
    assert not [p for p in folders[0].iterdir() if p.name.startswith(".")]
    whole = entries[0].read_bytes()
    flipped = bytearray(whole)
    flipped[-7] ^= 0x40
    # the last one: marshal.loads does not return on it (a digest keeps it from being read)
    hangs = bytes.fromhex("a8af5e4e538f812c9ea3b6c589a55fe7")
    for corrupt in (b"{corrupt", whole[: len(whole) // 2], b"", b"\x00" * 64, bytes(flipped),
                    hangs, whole[:60] + hangs):
        entries[0].write_bytes(corrupt)
        cache = ResultCache(tmp_path / "cache", RunSettings.build(config))
        again = check([src], config, jobs=1, cache=cache)
        assert again.analysed == 1 and again.findings == check([src], config, jobs=1).findings
        fresh = ResultCache(tmp_path / "cache", RunSettings.build(config))
        assert check([src], config, jobs=1, cache=fresh).analysed == 0
    assert sorted(p for p in folders[0].iterdir() if not p.name.startswith("memo-")
                  and p.name != "used") == entries
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in folders[0].iterdir())


def test_cache_keyed_by_code(tmp_path: Path) -> None:
    """Issue 21: a copy of qt-lint whose code changes under the same version string (a
    pre-commit `rev:` moved between two commits of one version, a package edited in place)
    never gets the old code's findings from a warm cache."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "qt_lint", site / "qt_lint",
                    ignore=shutil.ignore_patterns("__pycache__"))
    src = tmp_path / "src"
    src.mkdir()
    (src / "job.sh").write_text("#!/bin/sh\npython3 ops/x.py\n")
    env = {**os.environ, "PYTHONPATH": str(site), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("QT_LINT_CACHE_DIR", None)

    def run() -> str:
        proc = subprocess.run([sys.executable, "-m", "qt_lint", "check", "--isolated", "."],
                              cwd=src, env=env, capture_output=True, text=True, check=False)
        assert proc.returncode == 1, proc.stderr
        return proc.stdout

    before = run()
    assert "QT101" in before and run() == before  # warm: the same
    rule = site / "qt_lint/rules/runtime/qt101_bare_python.py"
    text = rule.read_text()
    message = 'f"`{program.text}` is a system python'
    assert message in text
    rule.write_text(text.replace(message, 'f"[edited] `{program.text}` is a system python'))
    after = run()
    assert after != before and "[edited]" in after, after
    # the memo of the digest is keyed by the files' stat: changed again, seen again
    rule.write_text(text)
    assert run() == before


def test_concurrent_runs_share_the_cache(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(FIXTURES / "python", src)
    env = {"QT_LINT_CACHE_DIR": str(tmp_path / "shared-cache")}
    exe = shutil.which("qt-lint", path=str(Path(ROOT / ".venv/bin"))) or "qt-lint"
    runs = [subprocess.Popen([exe, "check", "--isolated", "--format", "json", str(src)],
                             stdout=subprocess.PIPE, cwd=tmp_path,
                             env={**__import__("os").environ, **env})
            for _ in range(4)]
    outputs = [json.loads(run.communicate(timeout=120)[0])["findings"] for run in runs]
    assert all(out == outputs[0] for out in outputs)
    solo = json.loads(qt_lint("check", "--isolated", "--no-cache", "--format", "json",
                              str(src), cwd=tmp_path).stdout)["findings"]
    assert outputs[0] == solo


def test_unit_graph_memo_follows_edits_of_other_units(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A check of one unit builds the start order of every unit; the cache keeps what it
    learnt of each unit file, and an edit to another unit is seen on the next run."""
    from qt_lint.project import FileSource

    src = tmp_path / "src"
    shutil.copytree(FIXTURES / "systemd-unit" / "qt410" / "fire", src)
    git("init", "-q", cwd=src)
    git("add", "-A", cwd=src)
    config = Config(root=src)
    backend = src / "quantum-backend.service"
    read: list[str] = []
    original_read = FileSource.read

    def counting_read(self: FileSource, path: str) -> str | None:
        read.append(Path(path).name)
        return original_read(self, path)

    monkeypatch.setattr(FileSource, "read", counting_read)

    def run() -> list[str]:
        cache = ResultCache(tmp_path / "cache", RunSettings.build(config))
        return [f"{f.line}:{f.column}:{f.code}"
                for f in check([backend], config, jobs=1, cache=cache).findings
                if f.code == "QT410"]

    assert run() == ["3:50:QT410"]  # quantum-backend <-> quantum-report
    assert "quantum-rl-agent.service" in read
    read.clear()
    report = src / "quantum-report.service"
    report.write_text(report.read_text().replace(" quantum-backend.service", ""))
    assert run() == []  # the other unit's edit broke the cycle
    assert sorted(set(read)) == ["quantum-report.service"]  # the unchanged ones: memo
    read.clear()
    (src / "quantum-rl-agent.service").unlink()
    cycle = "redis-server.service quantum-backend.service\n"
    report.write_text(report.read_text().replace("redis-server.service\n", cycle, 1))
    assert run() == ["3:50:QT410"]
    assert sorted(set(read)) == ["quantum-report.service"]


def test_cache_follows_what_runs_a_script(tmp_path: Path) -> None:
    """QT701 judges `sudo` in a script by what runs it: when a unit starts naming the
    script, a warm run reports it (the script's own text did not change)."""
    src = tmp_path / "src"
    shutil.copytree(FIXTURES / "shell" / "qt701" / "silent", src)
    config = Config(root=src, select=("QT701",))
    cache = ResultCache(tmp_path / "cache", RunSettings.build(config))
    assert check([src], config, jobs=1, cache=cache).findings == []
    unit = src / "systemd" / "quantum-report.service"
    unit.write_text(unit.read_text().replace("ops/report.sh", "scripts/install_units.sh"))
    found = check([src], config, jobs=1, cache=cache).findings
    assert [(Path(f.path).relative_to(src).as_posix(), f.line) for f in found] == \
        [("scripts/install_units.sh", 4), ("scripts/install_units.sh", 5)]


_URI_REFERENCE = __import__("re").compile(
    r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*"
    r"(?:#(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?$")  # RFC 3986


def test_ci_paths_start_at_the_repository_root(repo: Path) -> None:
    """Run from a subfolder, every CI format names files from the repository's root (where
    code scanning and annotations place them); SARIF URIs are percent-encoded RFC 3986
    URI references; a rule's helpUri only from the configured docs-url."""
    from urllib.parse import unquote

    (repo / "sub" / "dir x").mkdir(parents=True)
    (repo / "sub" / "a.sh").write_text("python3 a.py\n")
    (repo / "sub" / "dir x" / "a b#%.sh").write_text("python3 b.py\n")
    git("add", "-A", cwd=repo)
    sub = repo / "sub"
    wanted = ["sub/a.sh", "sub/dir x/a b#%.sh"]
    sarif = json.loads(qt_lint("check", "--isolated", "--format", "sarif", ".", cwd=sub).stdout)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"]]
    assert uris == ["sub/a.sh", "sub/dir%20x/a%20b%23%25.sh"]
    assert all(_URI_REFERENCE.match(u) for u in uris) and [unquote(u) for u in uris] == wanted
    assert all("helpUri" not in r for r in sarif["runs"][0]["tool"]["driver"]["rules"])
    gitlab = json.loads(qt_lint("check", "--isolated", "--format", "gitlab", ".", cwd=sub).stdout)
    assert [g["location"]["path"] for g in gitlab] == wanted
    github = qt_lint("check", "--isolated", "--format", "github", ".", cwd=sub).stdout
    assert [line.split("file=")[1].split(",")[0] for line in github.splitlines()] == \
        ["sub/a.sh", "sub/dir x/a b#%25.sh"]
    junit = ET.fromstring(qt_lint("check", "--isolated", "--format", "junit", ".",
                                  cwd=sub).stdout)
    assert sorted(c.get("name", "") for c in junit.iter("testcase")) == wanted
    # text stays relative to where the user is
    text = qt_lint("check", "--isolated", ".", cwd=sub).stdout
    assert text.startswith("a.sh:1:1: QT101")
    (repo / "qt-lint.toml").write_text('docs-url = "https://docs.example.org/rules/{code}.md"\n')
    sarif = json.loads(qt_lint("check", "--format", "sarif", ".", cwd=sub).stdout)
    helps = {r["id"]: r["helpUri"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert helps["QT101"] == "https://docs.example.org/rules/QT101.md"
    (repo / "qt-lint.toml").write_text('docs-url = "https://docs.example.org/rules/"\n')
    bad = qt_lint("check", "--format", "sarif", ".", cwd=sub)
    assert bad.returncode == 2 and "docs-url" in bad.stderr
