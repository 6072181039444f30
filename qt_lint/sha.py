"""SHA-256 for the cache keys, without loading OpenSSL for a one-file run.

`hashlib` loads OpenSSL's libcrypto on import (about 3 ms of a one-file run, which hashes
a few kilobytes). The interpreter's built-in SHA-256 gives the same digests at a fifth of
OpenSSL's speed, so it serves the first `BUILTIN_BUDGET` bytes of a process and
`hashlib` the rest (a whole-repository run hashes megabytes).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hashlib import _Hash

BUILTIN_BUDGET = 256 * 1024

try:  # the module of the interpreter's own implementation: _sha2 from 3.12, _sha256 before
    from _sha2 import sha256 as _builtin  # type: ignore[import-not-found,unused-ignore]
except ImportError:
    try:
        from _sha256 import sha256 as _builtin  # type: ignore[import-not-found,no-redef,unused-ignore]
    except ImportError:  # a build without them
        _builtin = None

_left = [BUILTIN_BUDGET]


def sha256(data: bytes = b"") -> _Hash:
    """`hashlib.sha256(data)`: the same object's interface and digests."""
    if _builtin is not None and _left[0] >= len(data):
        _left[0] -= len(data)
        return _builtin(data)  # type: ignore[no-any-return]
    import hashlib

    return hashlib.sha256(data)
