"""qt_lint.sha gives hashlib's SHA-256 digests, below and past its built-in budget."""

from __future__ import annotations

import hashlib

import pytest

from qt_lint import sha


def test_digests_are_hashlibs_on_both_sides_of_the_budget(monkeypatch: pytest.MonkeyPatch,
                                                          ) -> None:
    monkeypatch.setattr(sha, "_left", [100])
    for data in (b"", b"abc", b"x" * 99, b"y" * 5000, "é\0".encode()):
        ours = sha.sha256(data)
        ours.update(b"more")
        theirs = hashlib.sha256(data)
        theirs.update(b"more")
        assert (ours.hexdigest(), ours.digest()) == (theirs.hexdigest(), theirs.digest())
    assert sha._left[0] < 100
