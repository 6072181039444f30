"""YAML configuration read as YAML reads it (PyYAML's nodes, with positions): flow
mappings, folded blocks and quoted scalars give the value YAML gives, at the place it is
written; a file the parser rejects is still read, line by line."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from qt_lint.parsers.configfile import scan_config
from tests.conftest import qt_lint

EXAMPLES = 2000 if os.environ.get("QT_LINT_LONG_TESTS") == "1" else 150


def _check(tmp_path: Path, name: str, text: str) -> list[str]:
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / name).write_text(text)
    proc = qt_lint("check", "--isolated", "--no-cache", "config", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    return [line for line in proc.stdout.splitlines() if ": QT5" in line]


def test_flow_mapping_and_folded_value(tmp_path: Path) -> None:
    text = ("redis: {host: quantum_redis, port: 6380}\n"
            "cache:\n  redis_host: >-\n    quantum_redis\n")
    assert _check(tmp_path, "app.yml", text) == [
        "config/app.yml:1:15: QT502 Redis host `quantum_redis` is a container name; Redis "
        "runs as a systemd service on localhost",
        "config/app.yml:1:36: QT503 Redis port 6380 is not 6379: the contract's Redis is the "
        "systemd service on localhost:6379",
        "config/app.yml:3:15: QT502 Redis host `quantum_redis` is a container name; Redis "
        "runs as a systemd service on localhost"]


def test_a_file_yaml_rejects_is_read_line_by_line(tmp_path: Path) -> None:
    text = "replicas: {{ .Values.replicas }}\nredis_host: quantum_redis\n"
    assert _check(tmp_path, "helm.yaml", text) == [
        "config/helm.yaml:2:13: QT502 Redis host `quantum_redis` is a container name; Redis "
        "runs as a systemd service on localhost"]


def test_compose_environment_items_keep_their_variable_and_column() -> None:
    text = 'services:\n  app:\n    environment:\n      - "REDIS_HOST=redis"\n'
    values = [v for v in scan_config(text, "yaml") if v.path[-1:] == ("REDIS_HOST",)]
    assert [(v.path, v.value, v.line, v.column) for v in values] == [
        (("services", "app", "environment", "REDIS_HOST"), "redis", 4, 21)]


def test_aliases_cost_their_size_not_their_expansion() -> None:
    """A billion-laughs file: each node is walked once, where it is written."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    start = time.monotonic()
    values = scan_config("\n".join(lines) + "\n", "yaml")
    assert time.monotonic() - start < 2
    assert len(values) == 9


scalars = st.one_of(st.text(alphabet="abcqr_-.:/ 0123456789", min_size=1, max_size=12),
                    st.integers(0, 70000).map(str))
keys = st.text(alphabet="abcdefghr_", min_size=1, max_size=8)
trees = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, min_size=1, max_size=3),
    st.dictionaries(keys, inner, min_size=1, max_size=3)), max_leaves=12)


def _leaves(tree: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    if isinstance(tree, dict):
        return [leaf for k, v in tree.items() for leaf in _leaves(v, (*path, str(k)))]
    if isinstance(tree, list):
        return [leaf for v in tree for leaf in _leaves(v, path)]
    return [(path, str(tree))]


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.dictionaries(keys, trees, min_size=1, max_size=4), st.booleans(),
       st.sampled_from([None, "'", '"']))
def test_values_and_positions_agree_with_yaml(tree: dict[str, Any], flow: bool,
                                              style: str | None) -> None:
    """Generated documents in block and flow style, plain and quoted: every scalar YAML
    loads is found under its keys, and its position is where its text is written."""
    text = yaml.safe_dump(tree, default_flow_style=flow, default_style=style, width=1000)
    loaded = yaml.safe_load(text)
    values = scan_config(text, "yaml")
    assert sorted((v.path, v.value) for v in values) == sorted(_leaves(loaded)), text
    lines = text.split("\n")
    for v in values:
        if "\n" not in v.value:
            assert lines[v.line - 1][v.column - 1:].startswith(v.value[:1]), (text, v)


def test_toml_inline_tables_and_multi_line_strings(tmp_path: Path) -> None:
    text = ('[cache]\nredis = {host = "quantum_redis", port = 6380}\n'
            '[[backends]]\nredis_url = """redis://redis:6379/0"""\n')
    assert _check(tmp_path, "app.toml", text) == [
        "config/app.toml:2:18: QT502 Redis host `quantum_redis` is a container name; Redis "
        "runs as a systemd service on localhost",
        "config/app.toml:2:41: QT503 Redis port 6380 is not 6379: the contract's Redis is the "
        "systemd service on localhost:6379",
        "config/app.toml:4:16: QT502 Redis host `redis` is a container name; Redis runs as a "
        "systemd service on localhost"]


def _toml(tree: dict[str, Any], inline: bool) -> str:
    """A small TOML writer for the generated trees: tables, inline tables, arrays."""
    import json

    def value(v: Any) -> str:
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + "}"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v)

    lines: list[str] = []
    tables = []
    for key, v in tree.items():
        if isinstance(v, dict) and not inline:
            tables.append((key, v))
        else:
            lines.append(f"{key} = {value(v)}")
    for key, v in tables:
        lines.append(f"[{key}]")
        lines += [f"{k} = {value(x)}" for k, x in v.items()]
    return "\n".join(lines) + "\n"


toml_scalars = st.text(alphabet="abcqr_-.:/ 0123456789", min_size=1, max_size=12)
toml_trees = st.recursive(toml_scalars, lambda inner: st.one_of(
    st.lists(inner, min_size=1, max_size=3),
    st.dictionaries(keys, inner, min_size=1, max_size=3)), max_leaves=10)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.dictionaries(keys, toml_trees, min_size=1, max_size=4), st.booleans())
def test_toml_values_and_positions_agree_with_tomllib(tree: dict[str, Any],
                                                      inline: bool) -> None:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    text = _toml(tree, inline)
    loaded = tomllib.loads(text)
    values = scan_config(text, "toml")
    assert sorted((v.path, v.value) for v in values) == sorted(_leaves(loaded)), text
    lines = text.split("\n")
    for v in values:
        assert lines[v.line - 1][v.column - 1:].startswith(v.value), (text, v)
