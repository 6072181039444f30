"""The live host's Redis, for `collect`: who holds the port (the kernel's socket tables and
`/proc`), and a bounded exchange with it.

The exchange is a minimal RESP client (AUTH, PING, CONFIG GET, INFO) on one socket with
one deadline for all of it: a server that answers one byte per second cannot stretch the
audit past `--timeout`, however many bytes it sends, and no reply may exceed a fixed size.
The password is used for AUTH only and never recorded.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any

MAX_REPLY = 1 << 20
CONFIG_KEYS = ("appendonly", "bind", "protected-mode", "port")


class RedisFailure(Exception):
    """The exchange failed: refused, timed out, an error reply, or a malformed answer."""


class _Connection:
    def __init__(self, host: str, port: int, deadline: float) -> None:
        self.deadline = deadline
        self.buffer = b""
        self.received = 0
        try:
            self.sock = socket.create_connection((host, port), timeout=self._left())
        except OSError as exc:
            raise RedisFailure(f"ConnectionError: {exc.strerror or type(exc).__name__}"
                               ) from None

    def _left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise RedisFailure("TimeoutError: no complete answer within the timeout")
        return left

    def close(self) -> None:
        self.sock.close()

    def call(self, *words: str) -> Any:
        data = f"*{len(words)}\r\n".encode()
        for word in words:
            raw = word.encode()
            data += b"$%d\r\n%s\r\n" % (len(raw), raw)
        try:
            self.sock.settimeout(self._left())
            self.sock.sendall(data)
        except OSError as exc:
            raise RedisFailure(f"ConnectionError: {exc.strerror or type(exc).__name__}"
                               ) from None
        return self._reply(0)

    def _fill(self) -> None:
        try:
            self.sock.settimeout(self._left())
            chunk = self.sock.recv(65536)
        except TimeoutError:
            raise RedisFailure("TimeoutError: no complete answer within the timeout"
                               ) from None
        except OSError as exc:
            raise RedisFailure(f"ConnectionError: {exc.strerror or type(exc).__name__}"
                               ) from None
        if not chunk:
            raise RedisFailure("ConnectionError: the server closed the connection")
        self.received += len(chunk)
        if self.received > MAX_REPLY:
            raise RedisFailure(f"ResponseError: more than {MAX_REPLY} bytes of answers")
        self.buffer += chunk

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            self._fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _exact(self, size: int) -> bytes:
        while len(self.buffer) < size + 2:
            self._fill()
        data, self.buffer = self.buffer[:size], self.buffer[size + 2:]
        return data

    def _reply(self, depth: int) -> Any:
        if depth > 4:
            raise RedisFailure("ResponseError: nested too deeply")
        line = self._line()
        kind, rest = line[:1], line[1:].decode("utf-8", "replace")
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RedisFailure(f"ResponseError: {rest[:200]}")
        if kind == b":":
            return int(rest) if rest.lstrip("-").isdecimal() else rest
        if kind in (b"$", b"*"):
            if not rest.lstrip("-").isdecimal():
                raise RedisFailure("ResponseError: a malformed answer")
            size = int(rest)
            if size < 0:
                return None
            if size > MAX_REPLY:
                raise RedisFailure("ResponseError: an answer too large")
            if kind == b"$":
                return self._exact(size).decode("utf-8", "replace")
            return [self._reply(depth + 1) for _ in range(size)]
        raise RedisFailure("ResponseError: not a Redis answer")


def exchange(host: str, port: int, password: str | None, timeout: float,
             deadline: float) -> dict[str, Any]:
    """PING and the settings the contract names, all within `timeout` seconds (and the
    audit's `deadline`)."""
    out: dict[str, Any] = {}
    conn = None
    try:
        conn = _Connection(host, port, min(deadline, time.monotonic() + timeout))
        if password is not None:
            conn.call("AUTH", password)
        out["ping"] = "PONG" if conn.call("PING") == "PONG" else "no PONG"
        try:
            config: dict[str, str] = {}
            for key in CONFIG_KEYS:
                reply = conn.call("CONFIG", "GET", key)
                if isinstance(reply, list):
                    config.update({str(k): str(v) for k, v in
                                   zip(reply[::2], reply[1::2], strict=False)})
            out["config"] = config
        except RedisFailure as exc:  # CONFIG renamed or forbidden: fall back to INFO
            if not str(exc).startswith("ResponseError"):
                raise
            out["config_error"] = _no_secret(str(exc), password)
            info = conn.call("INFO", "persistence")
            if isinstance(info, str) and "aof_enabled:" in info:
                value = info.split("aof_enabled:", 1)[1][:1]
                out["config"] = {"appendonly": "yes" if value == "1" else "no"}
    except RedisFailure as exc:
        out["error"] = _no_secret(str(exc), password)
    finally:
        if conn is not None:
            conn.close()
    return out


def _no_secret(message: str, secret: str | None) -> str:
    return message.replace(secret, "****") if secret else message


# /proc/net/tcp states (include/net/tcp_states.h)
_LISTEN = "0A"


def _hex_address(address: str, family: int) -> str:
    """The kernel's hex form of an address in /proc/net/tcp{,6}."""
    packed = socket.inet_pton(family, address)
    if family == socket.AF_INET:
        return packed[::-1].hex().upper()
    return b"".join(packed[i:i + 4][::-1] for i in range(0, 16, 4)).hex().upper()


def listener(host: str, port: int, proc: str = "/proc") -> dict[str, Any]:
    """The process holding the listening TCP socket on `host:port`, from the kernel's
    socket tables and each process's descriptors: pid, uid, command name and executable;
    or why it is not known."""
    inodes: set[str] = set()
    wanted = set()
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            found = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
        except OSError:
            continue  # no address of this family for the name
        for info in found:
            wanted.add((family, _hex_address(str(info[4][0]), family)))
    for name, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        anys = {_hex_address("0.0.0.0" if family == socket.AF_INET else "::", family)}
        try:
            with open(f"{proc}/net/{name}") as handle:
                lines = handle.read(1 << 24).splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10 or fields[3] != _LISTEN:
                continue
            address, _, hex_port = fields[1].partition(":")
            if int(hex_port, 16) != port:
                continue
            if (family, address) in wanted or address in anys:
                inodes.add(fields[9])
    if not inodes:
        return {"error": f"no listening socket on {host}:{port} in {proc}/net/tcp"}
    holders = []
    for entry in (p for p in os.listdir(proc) if p.isdecimal()):
        try:
            for fd in os.listdir(f"{proc}/{entry}/fd"):
                target = os.readlink(f"{proc}/{entry}/fd/{fd}")
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    holders.append(int(entry))
                    break
        except OSError:
            continue
    if not holders:
        return {"error": f"the socket on {host}:{port} belongs to no process this audit "
                         "can see (audit as root)"}
    pid = min(holders)
    out: dict[str, Any] = {"pid": pid, "pids": sorted(holders)}
    try:
        with open(f"{proc}/{pid}/status") as handle:
            for line in handle:
                if line.startswith("Uid:"):
                    out["uid"] = int(line.split()[1])
        with open(f"{proc}/{pid}/comm") as handle:
            out["comm"] = handle.read().strip()
        out["exe"] = os.readlink(f"{proc}/{pid}/exe")
    except OSError as exc:
        out["process_error"] = exc.strerror or type(exc).__name__
    return out
