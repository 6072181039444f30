"""What the audit read of a host: frozen, JSON-serialisable, secrets redacted on output."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from qt_lint import lazyre

SNAPSHOT_VERSION = 2


@dataclass(frozen=True)
class Stat:
    """One path as found (paths are host paths: `/etc/quantum/x.env`, whatever the root)."""

    path: str
    kind: str  # file, dir, symlink, other, missing, error
    uid: int | None = None
    gid: int | None = None
    mode: int | None = None  # permission bits
    size: int | None = None
    target: str | None = None  # a symlink's target as written
    resolved: str | None = None  # the host path it resolves to inside the root
    resolved_kind: str | None = None  # what is there
    executable: bool = False
    error: str | None = None
    acl: tuple[tuple[int, int, int], ...] | None = None  # POSIX access ACL (tag, perm, id)
    # where the path really is when a folder on the way is a link (the object itself is
    # not followed: that is `resolved`)
    real: str | None = None
    default_acl: tuple[tuple[int, int, int], ...] | None = None  # a folder's default ACL


@dataclass(frozen=True)
class TextFile:
    """A file of a host snapshot: its stat, and its text or why it was not read."""

    stat: Stat
    text: str | None = None  # None when it could not be read (see error)
    error: str | None = None
    # in a written snapshot: an HMAC of the whole text under a key drawn for that snapshot
    # and never kept, so equal texts stay equal after scrubbing while no digest can confirm
    # a guessed secret
    digest: str | None = None


def same_text(a: TextFile, b: TextFile) -> bool:
    """Whether two files had the same content when they were read."""
    if a.digest is not None and b.digest is not None:
        return a.digest == b.digest
    return a.text == b.text


@dataclass(frozen=True)
class Snapshot:
    """What the host audit read of a host, kept to be judged (or written and judged later)."""

    version: int
    root: str
    live: bool  # the running host, with systemd as PID 1
    repo_root: str = "/home/qt/quantum_trader"
    hostname: str | None = None
    users: dict[str, int] = field(default_factory=dict)
    user_gids: dict[str, int] = field(default_factory=dict)  # primary group of each user
    groups: dict[str, int] = field(default_factory=dict)
    group_members: dict[str, list[str]] = field(default_factory=dict)  # /etc/group members
    accounts_error: str | None = None
    paths: dict[str, Stat] = field(default_factory=dict)  # every stat taken, by host path
    texts: dict[str, TextFile] = field(default_factory=dict)  # env files, units, pyvenv.cfg...
    env_files: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)  # the unit fragments judged
    dropins: dict[str, list[str]] = field(default_factory=dict)  # fragment -> drop-ins, in order
    unit_errors: list[str] = field(default_factory=list)  # search folders not listed
    repo_units: dict[str, list[str]] = field(default_factory=dict)  # name -> repo copies
    repo_units_error: str | None = None
    archive_entries: list[str] = field(default_factory=list)
    archive_error: str | None = None
    repo_config: dict[str, Any] = field(default_factory=dict)  # what it would change
    # repository files QT601 could fire on (path -> kind; H154), how many files of its
    # kinds were read, and why the walk stopped ("missing": no repository; a snapshot
    # written before H154 existed says "not collected")
    repo_files: dict[str, str] = field(default_factory=dict)
    repo_files_read: int = 0
    repo_files_error: str | None = "not collected"
    db: dict[str, Any] = field(default_factory=dict)
    redis: dict[str, Any] = field(default_factory=dict)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    analyze: dict[str, Any] = field(default_factory=dict)
    guarded: list[str] = field(default_factory=list)  # objects whose write access H132 judges
    trees: dict[str, dict[str, Any]] = field(default_factory=dict)  # venv -> its notable entries
    sudoers: list[str] = field(default_factory=list)  # the sudoers files sudo reads
    sudoers_errors: list[str] = field(default_factory=list)
    secrets_entries: list[str] = field(default_factory=list)
    secrets_error: str | None = None
    accounts_bad: list[str] = field(default_factory=list)  # passwd/group lines not understood

    def stat(self, path: str) -> Stat:
        return self.paths.get(path) or Stat(path, "error", error="not collected")

    def text(self, path: str) -> TextFile:
        return self.texts.get(path) or TextFile(self.stat(path), None, "not collected")

    def owner(self, uid: int | None) -> str:
        names = {v: k for k, v in self.users.items()}
        return names.get(uid, str(uid)) if uid is not None else "?"

    def group(self, gid: int | None) -> str:
        names: dict[int, str] = {}
        for name, number in self.groups.items():
            if ":" not in name:  # `root:12`: a later line of a group (collect._accounts)
                names.setdefault(number, name)  # getgrgid(): the first line
        return names.get(gid, str(gid)) if gid is not None else "?"


def pyvenv_values(text: str) -> dict[str, str]:
    """The `key = value` lines of a pyvenv.cfg, keys lower-cased, lines as CPython splits
    them (qt_lint/parsers/pyvenv.py): `home` from its first line, the rest from the last."""
    out: dict[str, str] = {}
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        key, sep, value = line.partition("=")
        if sep:
            key = key.strip().lower()
            if key == "home" and key in out:
                continue
            out[key] = value.strip()
    return out


_ASSIGNMENT = lazyre.compile(r"^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=")
_SECTION = lazyre.compile(r"^\s*\[[^\]]+\]\s*$")


def scrub_unit(text: str) -> str:
    """A unit or drop-in as the snapshot keeps it, read as systemd reads it: lines joined
    into logical lines first (a line ending in an odd run of backslashes goes on to the
    next one that is not a comment), then judged. An assignment (`User \\` then `=root` is
    one) keeps its lines, secret-like values masked, and every line of its value masked
    whole when its key looks secret; a section header keeps its lines; a line systemd
    rejects becomes placeholders, keeping what makes it rejected the same way (an `=` on a
    later line: an invalid key). Comments become `#` (qt-lint directives are kept), blank
    lines stay, and every line keeps its continuation, so line numbers and every
    judgement stay the same."""
    from qt_lint.parsers.lines import BLANKS, significant
    from qt_lint.parsers.systemd import DIRECTIVE_NAME, SECTION_HEADER, continues, logical_line
    from qt_lint.secrets import MASK, is_secret_key, redact_line

    lines = text.split("\n")
    out = list(lines)

    def comment(line: str) -> str:
        stripped = line.strip(BLANKS)
        tail = "\\" if continues(line) else ""
        return redact_line(line) if "qt-lint:" in line else stripped[0] + tail

    def same_end(new: str, old: str) -> str:
        # the scrubbed line continues exactly when the line it stands for does
        if continues(old) and not continues(new):
            return new + " \\"
        if continues(new) and not continues(old):
            return new + " "
        return new

    i = 0
    while i < len(lines):
        content = significant(lines[i])
        if content is None:
            if lines[i].strip(BLANKS):
                out[i] = comment(lines[i])
            i += 1
            continue
        first = i
        pieces, _, last, _ = logical_line(lines, i, content[1])
        logical = "".join(pieces).strip(BLANKS)
        # the physical lines of this logical line (comments inside it are skipped by systemd)
        members = [n for n in range(first, last + 1)
                   if n == first or significant(lines[n]) is not None or
                   not lines[n].strip(BLANKS)]
        for n in range(first, last + 1):
            if n not in members:
                out[n] = comment(lines[n])
        eq = logical.find("=")
        shown = [n for n in members if lines[n].strip(BLANKS).rstrip("\\").strip(BLANKS)]
        if logical.startswith("["):
            if SECTION_HEADER.match(logical) is None:  # malformed: stays so, its text unshown
                for n in shown:
                    out[n] = same_end("[<line not shown>", lines[n])
        elif eq == -1 or DIRECTIVE_NAME.match(logical[:eq].strip(BLANKS)) is None:
            # a line systemd rejects: placeholders, with an `=` when it had one (an invalid
            # key stays an invalid key, a line without `=` stays one)
            for k, n in enumerate(shown):
                tail = " =" if eq != -1 and k == len(shown) - 1 else ""
                out[n] = same_end("<line not shown>" + tail, lines[n])
        else:
            key = logical[:eq].strip(BLANKS)
            value = logical[eq + 1:]
            inner = value.split("=", 1)[0] if key == "Environment" and "=" in value else ""
            secret = is_secret_key(key) or (bool(inner) and is_secret_key(inner.strip()))
            found_eq = False
            for n in members:
                body = lines[n]
                if found_eq and secret and n in shown:
                    out[n] = same_end(MASK, body)
                elif not found_eq and "=" in body and is_secret_key(key):
                    # the key's `=` (`API_KEY \\` then `=abc`: the value is masked whole)
                    out[n] = same_end(body[:body.index("=") + 1] + MASK, body)
                else:
                    out[n] = same_end(redact_line(body), body)
                found_eq = found_eq or "=" in body
        i = last + 1
    return "\n".join(out)


def scrub(text: str) -> str:
    """An env file or unit as the snapshot keeps it: assignments (secret-like values
    masked) with their continuation lines, section headers and qt-lint directives. Other
    comments become `#` and other lines a placeholder, so line numbers and every judgement
    stay the same but free text, which no key can mark as secret, never leaves the host.
    A continuation line of an assignment whose key looks secret is masked whole."""
    from qt_lint.parsers.lines import BLANKS
    from qt_lint.parsers.systemd import continues
    from qt_lint.secrets import MASK, is_secret_key, redact_line

    out = []
    secret_value = continued = False
    for line in text.split("\n"):
        # as systemd reads lines: only space, tab, CR, LF are blanks, and a line continues
        # when it ends in an odd run of backslashes (`C:\\` does not continue)
        stripped = line.strip(BLANKS)
        if continued:
            kept = continues(line.rstrip("\r"))
            out.append((MASK + (" \\" if kept else "")) if secret_value else redact_line(line))
            continued = kept
            continue
        if not stripped or _SECTION.match(line):
            out.append(line)
        elif stripped[0] in "#;":
            # an env file's comment ending in a backslash goes on to the next line
            tail = "\\" if continues(line.rstrip("\r")) else ""
            out.append(redact_line(line) if "qt-lint:" in line else stripped[0] + tail)
        elif _ASSIGNMENT.match(line):
            out.append(redact_line(line))
            key = line.split("=", 1)[0].strip().removeprefix("export ").strip()
            value = line.split("=", 1)[1]
            inner = value.split("=", 1)[0] if key == "Environment" and "=" in value else ""
            secret_value = is_secret_key(key) or (bool(inner) and is_secret_key(inner.strip()))
            continued = continues(line.rstrip("\r"))
        else:
            out.append("<line not shown>")
    return "\n".join(out)


_REDIS_SECRET = lazyre.compile(r"(?i)((?:^|\s)(?:--)?(?:requirepass|masterauth)\s+)(\S+)")
_REDIS_ACL_PASSWORD = lazyre.compile(r"(\s)[>#]\S+")


def redact_redis(line: str, conf: bool) -> str:
    """A Redis password in a line of redis.conf (`requirepass`, `masterauth`, an ACL
    rule's `>password` or `#hash` when `conf`) or of a unit's redis-server command line
    (`--requirepass`), masked."""
    from qt_lint.secrets import MASK

    line = _REDIS_SECRET.sub(lambda m: m.group(1) + MASK, line)
    if conf and line.lstrip().lower().startswith("user "):
        line = _REDIS_ACL_PASSWORD.sub(lambda m: m.group(1) + MASK, line)
    return line


def redact_python(text: str) -> str:
    """A Python file as the snapshot keeps it: on each line the redactor would mask, the
    string and number literals masked instead, so that the file still parses and every
    judgement of its calls stays the same (`max(votes, key=votes.get)` keeps its code).
    A file that cannot be tokenized is redacted line by line."""
    import io
    import tokenize

    from qt_lint.secrets import MASK, redact_line

    lines = text.split("\n")
    marked = {i + 1 for i, line in enumerate(lines) if redact_line(line) != line}
    if not marked:
        return text
    edits: list[tuple[int, int, int, int, str]] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.start[0] not in marked:
                continue
            if token.type == tokenize.STRING:
                body = token.string
                head = len(body) - len(body.lstrip("rRbBuUfF"))
                quote = body[head:head + 3] if body[head:head + 3] in ('"""', "'''") \
                    else body[head]
                inner = body[head + len(quote):len(body) - len(quote)]
                masked = "\n".join(MASK if part else "" for part in inner.split("\n"))
                edits.append((*token.start, *token.end, body[:head] + quote + masked + quote))
            elif token.type == getattr(tokenize, "FSTRING_MIDDLE", -1):  # Python 3.12+
                masked = "\n".join(MASK if part else "" for part in token.string.split("\n"))
                edits.append((*token.start, *token.end, masked))
            elif token.type == tokenize.NUMBER:
                edits.append((*token.start, *token.end, "0"))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return "\n".join(redact_line(line) for line in lines)
    for row, col, end_row, end_col, new in reversed(edits):
        if row == end_row:
            line = lines[row - 1]
            lines[row - 1] = line[:col] + new + line[end_col:]
        else:  # a string over several lines: as many lines, each masked
            parts = new.split("\n")
            first, last = lines[row - 1], lines[end_row - 1]
            lines[row - 1:end_row] = [first[:col] + parts[0], *parts[1:-1],
                                      parts[-1] + last[end_col:]]
    return "\n".join(lines)


def to_json(snapshot: Snapshot) -> str:
    """The snapshot with secrets kept on the host (see `scrub`)."""
    import hashlib
    import hmac
    import secrets

    from qt_lint.secrets import SHELL_STRUCTURE, redact_keeping, redact_line

    key = secrets.token_bytes(32)
    data = asdict(snapshot)
    for path, item in data["texts"].items():
        original = snapshot.texts[path]
        if original.digest is None and original.text is not None:
            item["digest"] = hmac.new(key, original.text.encode("utf-8", "surrogatepass"),
                                      hashlib.sha256).hexdigest()
    units = set(snapshot.units) | {
        p for paths in snapshot.dropins.values() for p in paths} | {
        p for paths in snapshot.repo_units.values() for p in paths}
    scrubbed = set(snapshot.env_files)
    conf = set(snapshot.redis.get("conf_files", []))
    for path, item in data["texts"].items():
        if item["text"] is None:
            continue
        if path in units:
            item["text"] = scrub_unit(item["text"])
        elif path in scrubbed or path.endswith(".env"):
            item["text"] = scrub(item["text"])
        elif path.endswith(".py") or snapshot.repo_files.get(path) == "python":
            item["text"] = redact_python(item["text"])
        elif path.endswith((".sh", ".bash", "/Makefile")) or \
                snapshot.repo_files.get(path) in ("shell", "makefile"):
            # scripts keep their quotes and operators: they parse and judge the same
            item["text"] = "\n".join(redact_keeping(line, SHELL_STRUCTURE)
                                      for line in item["text"].split("\n"))
        else:
            item["text"] = "\n".join(redact_line(line) for line in item["text"].split("\n"))
        item["text"] = "\n".join(redact_redis(line, path in conf)
                                  for line in item["text"].split("\n"))
    return json.dumps(data, indent=2, sort_keys=True)


def _stat(data: dict[str, Any]) -> Stat:
    acls = {key: tuple(tuple(e) for e in data[key]) if data.get(key) is not None else None
            for key in ("acl", "default_acl")}
    return Stat(**{**data, **acls})


def from_json(text: str) -> Snapshot:
    data = json.loads(text)
    if data.get("version") != SNAPSHOT_VERSION:
        raise ValueError(f"snapshot version {data.get('version')!r}; this qt-lint reads "
                         f"{SNAPSHOT_VERSION}")
    paths = {k: _stat(v) for k, v in data["paths"].items()}
    texts = {k: TextFile(_stat(v["stat"]), v["text"], v["error"], v.get("digest"))
             for k, v in data["texts"].items()}
    known = {f.name for f in fields(Snapshot)}
    rest = {k: v for k, v in data.items() if k in known and k not in ("paths", "texts")}
    return Snapshot(paths=paths, texts=texts, **rest)
