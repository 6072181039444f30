"""`qt_lint.record` builds the classes `dataclasses.dataclass` would: the same constructor,
repr, equality, order, hash, frozen and slotted instances, pickling, and the dataclasses
functions work on them (each property checked against a real data class of the same
fields)."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from qt_lint.finding import Finding, Fix, Severity
from qt_lint.record import field, field_names, record, replace


def _pair(**options: bool) -> tuple[type, type]:
    """The same fields as a record and as a data class."""
    def body() -> dict[str, object]:
        return {"__annotations__": {"a": "int", "b": "str", "c": "int", "d": "tuple[int, ...]",
                                    "e": "str"},
                "c": 3,
                "__doc__": "x"}
    made = []
    for deco, fld in ((record, field), (dataclasses.dataclass, dataclasses.field)):
        ns = body()
        ns["d"] = fld(default_factory=tuple)
        ns["e"] = fld(default="e", compare=False)
        cls = type("Thing", (), ns)
        made.append(deco(**options)(cls))  # type: ignore[call-overload]
    return made[0], made[1]


OPTIONS = [{}, {"frozen": True}, {"frozen": True, "slots": True},
           {"frozen": True, "slots": True, "order": True}, {"order": True}, {"eq": False}]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_a_record_behaves_as_the_dataclass(options: dict[str, bool]) -> None:
    ours, theirs = _pair(**options)
    cases = [((1, "x"), {}), ((1,), {"b": "y", "c": 4}), ((), {"a": 2, "b": "z", "e": "f"}),
             ((1, "x", 3, (1,)), {})]
    for args, kwargs in cases:
        a, b = ours(*args, **kwargs), theirs(*args, **kwargs)
        assert repr(a) == repr(b)
        assert [getattr(a, n) for n in field_names(a)] == \
            [getattr(b, f.name) for f in dataclasses.fields(b)]
        twin_a, twin_b = ours(*args, **kwargs), theirs(*args, **kwargs)
        assert (a == twin_a) == (b == twin_b)
        assert (a == ours(9, "q")) == (b == theirs(9, "q"))
        assert (a.__eq__(1)) is (b.__eq__(1))  # NotImplemented, or object's answer
        if options.get("frozen"):
            assert hash(a) == hash(b)
            with pytest.raises(AttributeError):
                a.a = 5  # type: ignore[misc]
            with pytest.raises(AttributeError):
                b.a = 5  # type: ignore[misc]
        elif options.get("eq", True):
            assert type(a).__hash__ is None and type(b).__hash__ is None
        if options.get("order"):
            other = (ours(0, "a"), theirs(0, "a"))
            assert (a < other[0], a <= other[0], a > other[0], a >= other[0]) == \
                (b < other[1], b <= other[1], b > other[1], b >= other[1])
        assert hasattr(a, "__dict__") == hasattr(b, "__dict__")
        assert type(a).__match_args__ == type(b).__match_args__
        assert dataclasses.is_dataclass(a)
        assert dataclasses.asdict(a) == dataclasses.asdict(b)
        assert repr(dataclasses.replace(a, a=7)) == repr(dataclasses.replace(b, a=7))
        assert repr(replace(a, b="r")) == repr(dataclasses.replace(b, b="r"))
        assert repr(copy.deepcopy(a)) == repr(b)
    assert ours(1, "x").d == theirs(1, "x").d == ()
    with pytest.raises(TypeError):
        ours()
    with pytest.raises(TypeError):
        theirs()
    assert [f.name for f in dataclasses.fields(ours)] == \
        [f.name for f in dataclasses.fields(theirs)]
    if not options.get("slots"):
        assert ours.c == theirs.c == 3


def test_findings_sort_hash_and_pickle_as_before() -> None:
    """Finding's compared fields are path, line, column and code (the message, severity
    and the rest are not), as with the data class it was."""
    one = Finding("a.sh", 2, 1, "QT101", "m", Severity.WARNING, fix=Fix(()))
    same = Finding("a.sh", 2, 1, "QT101", "other message")
    assert one == same and hash(one) == hash(same) == hash(("a.sh", 2, 1, "QT101"))
    assert sorted([Finding("b", 1, 1, "X", ""), one, Finding("a.sh", 1, 9, "Z", "")]) == [
        Finding("a.sh", 1, 9, "Z", ""), one, Finding("b", 1, 1, "X", "")]
    back = pickle.loads(pickle.dumps(one))
    assert repr(back) == repr(one) and back.fix == Fix(())
    with pytest.raises(AttributeError):
        one.line = 3  # type: ignore[misc]
