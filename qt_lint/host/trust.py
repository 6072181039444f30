"""Where the host audit takes its contract from: only sources the audited user cannot write.

The audit runs as root on a host where `qt` owns the repository, so the repository's own
`qt-lint.toml` or `[tool.qt-lint]` could otherwise decide how root-owned files are judged
(ignore QT601 everywhere, move the database, add a remote Redis host). The audit's
configuration is, in order: `--config FILE` (the operator's choice), else
`<root>/etc/quantum/qt-lint.toml` when it is a regular file owned by root that no one else
can write, in a folder no one but root can write, else the contract's defaults. The
repository's configuration is never applied; H162 reports what it would change.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import stat
from pathlib import Path

from qt_lint.config import (
    Config,
    ConfigError,
    Contract,
    TOMLDecodeError,
    config_from_bytes,
    parse_config,
    parse_toml,
)
from qt_lint.host.inroot import Root, kind_of, parse_acl, reason

HOST_CONFIG = "/etc/quantum/qt-lint.toml"
MAX_CONFIG = 1024 * 1024
# host paths (relative, as the audit judges them) that per-file-ignores must not reach
_HOST_SAMPLES = ("etc/quantum/backend.env", "etc/quantum/common.env",
                 "etc/systemd/system/quantum-backend.service",
                 "etc/systemd/system/quantum-backend.service.d/override.conf",
                 "home/qt/quantum_trader/Makefile", "Makefile")


def host_config(root: str, config_path: str | None) -> Config:
    """The audit's configuration (see the module's docstring). ConfigError when the
    root's own file exists but is not trustworthy, or is invalid."""
    from qt_lint.settings import load

    if config_path:
        return load(config_path, Path("."))
    from qt_lint.registry import known_codes

    where = f"{root.rstrip('/')}{HOST_CONFIG}" if root != "/" else HOST_CONFIG
    try:
        fs = Root(root)
    except OSError as exc:
        raise ConfigError(f"--root {root}: {reason(exc)}") from None
    try:
        try:
            found = fs.lookup(HOST_CONFIG)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return Config(root=Path(root))
            raise ConfigError(f"{where}: cannot read: {reason(exc)} (audit as root, or name "
                              "the configuration with --config)") from None
        folder = fs.lookup(os.path.dirname(HOST_CONFIG))
        st, dst = found.stat, folder.stat
        acl = parse_acl(fs.getxattr(HOST_CONFIG, "system.posix_acl_access")) \
            if stat.S_ISREG(st.st_mode) else None
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"{where}: a {kind_of(st.st_mode)}: the audit's configuration "
                              "must be a regular file owned by root")
        if st.st_uid != 0 or st.st_mode & 0o022 or dst.st_uid != 0 or dst.st_mode & 0o022 \
                or (acl and len(acl) > 3):
            raise ConfigError(f"{where}: owned by uid {st.st_uid} mode "
                              f"{stat.S_IMODE(st.st_mode):04o} in a folder owned by uid "
                              f"{dst.st_uid} mode {stat.S_IMODE(dst.st_mode):04o}: the audit "
                              "only trusts a file that root owns and only root can write "
                              "(chown root:root, chmod go-w, no ACL); not used")
        try:
            data, _ = fs.read(HOST_CONFIG, MAX_CONFIG)
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read: {reason(exc)}") from None
    finally:
        fs.close()
    return config_from_bytes(data, where, "qt-lint.toml", Path(root), known_codes())


def with_repo(config: Config, repo: str | None) -> Config:
    """`--repo` moves the repository root for every check."""
    if not repo:
        return config
    contract = dataclasses.replace(config.contract, repo_root=repo.rstrip("/") or "/")
    return dataclasses.replace(config, contract=contract)


def repo_config_differences(text: str, name: str, trusted: Config) -> list[str]:
    """What a repository configuration would change in the host audit, were it applied.
    ValueError when it is not valid."""
    from qt_lint.discover import matcher
    from qt_lint.registry import known_codes

    try:
        document = parse_toml(text)
        data = document.get("tool", {}).get("qt-lint", {}) if name == "pyproject.toml" \
            else document
        repo = parse_config(data, trusted.root, None, known_codes())
    except TOMLDecodeError as exc:
        raise ValueError(f"invalid TOML: {exc}") from None
    except RecursionError:
        raise ValueError("nested too deeply to read: not judged") from None
    except ConfigError as exc:
        raise ValueError(str(exc)) from None
    out = []
    base = trusted.contract
    for f in dataclasses.fields(Contract):
        if "contract" in data and getattr(repo.contract, f.name) != getattr(base, f.name):
            out.append(f"contract.{f.name.replace('_', '-')}")
    for glob, codes in repo.per_file_ignores:
        if any(matcher((glob,))(sample) for sample in _HOST_SAMPLES):
            out.append(f"per-file-ignores.{glob!r} = {list(codes)}")
    for key in ("severity", "unsuppressible"):
        if getattr(repo, key) != getattr(trusted, key):
            out.append(key)
    return out
