"""`record`: the data classes of the one-file paths, without the `dataclasses` module.

A one-file pre-commit run imports about twenty data classes before it reads its file, and
the parsers', pymodel's and rule helpers' (about forty) when it analyses it.
`dataclasses` costs such a run twice: its import pulls in `inspect` (and with it `ast`,
`dis`, `tokenize`), and each class compiles five or six methods from source at import
(14 ms for the 18 classes of a cache hit, 9 ms for the import, measured). `record` builds
the same class with one compiled `__init__` and shared methods: the same constructor
(positional and keyword, defaults, `field(default_factory=...)`), `repr`, equality, order
and hash over the compared fields, frozen instances, `__slots__`, `__match_args__`, and
pickling of frozen slotted instances (worker processes send findings back).

The classes stay data classes to everything else: `dataclasses.fields`, `replace`,
`asdict` and `is_dataclass` work on them, the first use building the real field objects
(that imports `dataclasses` then, off the start-up path). For the type checker `record`
and `field` are `dataclasses.dataclass` and `dataclasses.field`.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dataclasses import dataclass as record
    from dataclasses import field, replace
else:
    from operator import attrgetter

    class _Missing:
        __slots__ = ()

        def __repr__(self) -> str:
            return "MISSING"

    MISSING = _Missing()

    class FrozenInstanceError(AttributeError):
        """Assigning to a field of a frozen record (as `dataclasses.FrozenInstanceError`)."""

    class field:  # the name and call of `dataclasses.field`
        """A field's default and whether it takes part in comparison, hash and repr."""

        __slots__ = ("compare", "default", "default_factory", "hash", "init", "repr")

        def __init__(self, *, default=MISSING, default_factory=MISSING, init=True,
                     repr=True, hash=None, compare=True):
            if default is not MISSING and default_factory is not MISSING:
                raise ValueError("cannot specify both default and default_factory")
            self.default, self.default_factory = default, default_factory
            self.init, self.repr, self.hash, self.compare = init, repr, hash, compare

    def _is_classvar(annotation) -> bool:
        text = annotation if isinstance(annotation, str) else repr(annotation)
        return text.startswith(("ClassVar", "typing.ClassVar", "t.ClassVar"))

    class _Fields:
        """`__dataclass_fields__`, built on first use (it imports `dataclasses`)."""

        def __get__(self, instance, owner):
            import dataclasses

            made = {}
            for name, spec in owner.__record_fields__.items():
                kwargs = {"init": spec.init, "repr": spec.repr, "hash": spec.hash,
                          "compare": spec.compare}
                if spec.default is not MISSING:
                    kwargs["default"] = spec.default
                if spec.default_factory is not MISSING:
                    kwargs["default_factory"] = spec.default_factory
                made_field = dataclasses.field(**kwargs)
                made_field.name = name
                made_field.type = owner.__annotations__.get(name, "")
                made_field._field_type = dataclasses._FIELD
                made[name] = made_field
            type.__setattr__(owner, "__dataclass_fields__", made)
            return made

    def _frozen_setattr(self, name, value):
        if name in self.__record_fields__:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def _frozen_delattr(self, name):
        if name in self.__record_fields__:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    def _getstate(self):
        return [getattr(self, name) for name in self.__record_fields__]

    def _setstate(self, state):
        for name, value in zip(self.__record_fields__, state, strict=True):
            object.__setattr__(self, name, value)

    def _repr(self):
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_repr__)
        return f"{type(self).__qualname__}({shown})"

    def _comparison(key, op):
        def compare(self, other):
            if other.__class__ is self.__class__:
                return op(key(self), key(other))
            return NotImplemented
        return compare

    def _process(cls, frozen, slots, order, eq):
        specs = {}
        for base in reversed(cls.__mro__[1:]):
            specs.update(getattr(base, "__record_fields__", {}))
        # (not inspect.get_annotations: importing inspect is what this module avoids)
        annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063
        for name, annotation in annotations.items():
            if _is_classvar(annotation):
                continue
            value = cls.__dict__.get(name, MISSING)
            specs[name] = value if isinstance(value, field) else field(default=value)
        names = list(specs)
        namespace = {}  # what the record adds to the class
        # __init__: compiled once, as dataclasses writes it
        scope = {"MISSING": MISSING, "__object_setattr": object.__setattr__}
        params, body = [], []
        for name, spec in specs.items():
            if spec.init:
                if spec.default is not MISSING:
                    scope[f"__d_{name}"] = spec.default
                    params.append(f"{name}=__d_{name}")
                elif spec.default_factory is not MISSING:
                    scope[f"__f_{name}"] = spec.default_factory
                    params.append(f"{name}=MISSING")
                else:
                    params.append(name)
                if spec.default_factory is not MISSING:
                    value = f"__f_{name}() if {name} is MISSING else {name}"
                else:
                    value = name
            elif spec.default_factory is not MISSING:
                scope[f"__f_{name}"] = spec.default_factory
                value = f"__f_{name}()"
            elif spec.default is not MISSING:
                scope[f"__d_{name}"] = spec.default
                value = f"__d_{name}"
            else:
                continue
            body.append(f"    __object_setattr(self, {name!r}, {value})" if frozen
                        else f"    self.{name} = {value}")
        if hasattr(cls, "__post_init__"):
            body.append("    self.__post_init__()")
        seen_default = False
        for name in (n for n, s in specs.items() if s.init):
            has = specs[name].default is not MISSING or specs[name].default_factory is not MISSING
            if seen_default and not has:
                raise TypeError(f"non-default argument {name!r} follows default argument")
            seen_default = seen_default or has
        source = f"def __init__(self, {', '.join(params)}):\n" + \
            ("\n".join(body) or "    pass") + "\n"
        exec(source, scope)  # our own field names, as dataclasses does
        init = scope["__init__"]
        init.__qualname__ = f"{cls.__qualname__}.__init__"
        namespace["__init__"] = init
        namespace["__record_fields__"] = specs
        namespace["__record_repr__"] = tuple(n for n, s in specs.items() if s.repr)
        namespace["__dataclass_fields__"] = _Fields()
        namespace["__match_args__"] = tuple(n for n, s in specs.items() if s.init)
        if "__repr__" not in cls.__dict__:
            namespace["__repr__"] = _repr
        compared = [n for n, s in specs.items() if s.compare]
        key = attrgetter(*compared) if len(compared) > 1 else \
            (lambda self, _get=attrgetter(*compared): (_get(self),)) if compared else \
            (lambda self: ())
        if eq and "__eq__" not in cls.__dict__:
            import operator

            namespace["__eq__"] = _comparison(key, operator.eq)
            if order:
                for method, op in (("__lt__", operator.lt), ("__le__", operator.le),
                                   ("__gt__", operator.gt), ("__ge__", operator.ge)):
                    namespace[method] = _comparison(key, op)
            if frozen:
                hashed = [n for n, s in specs.items()
                          if (s.compare if s.hash is None else s.hash)]
                get = attrgetter(*hashed) if len(hashed) > 1 else None
                if get is not None:
                    namespace["__hash__"] = lambda self, _get=get: hash(_get(self))
                else:
                    one = attrgetter(*hashed) if hashed else (lambda self: None)
                    namespace["__hash__"] = (
                        (lambda self, _get=one: hash((_get(self),))) if hashed
                        else (lambda self: hash(())))
            elif "__hash__" not in cls.__dict__:
                namespace["__hash__"] = None
        if frozen:
            namespace["__setattr__"] = _frozen_setattr
            namespace["__delattr__"] = _frozen_delattr
        if not slots:  # the class itself, its defaults class attributes (as dataclasses)
            for name, spec in specs.items():
                if spec.default is not MISSING:
                    type.__setattr__(cls, name, spec.default)
                elif name in cls.__dict__:
                    type.__delattr__(cls, name)
            for name, value in namespace.items():
                type.__setattr__(cls, name, value)
            return cls
        inherited = {s for base in cls.__mro__[1:] for s in getattr(base, "__slots__", ())}
        namespace["__slots__"] = tuple(n for n in names if n not in inherited)
        if frozen:
            namespace["__getstate__"], namespace["__setstate__"] = _getstate, _setstate
        body = {k: v for k, v in cls.__dict__.items()
                if k not in specs and k not in ("__dict__", "__weakref__")}
        made = type(cls)(cls.__name__, cls.__bases__, {**body, **namespace})
        made.__qualname__ = cls.__qualname__
        return made

    def record(cls=None, /, *, frozen=False, slots=False, order=False, eq=True):
        """`@dataclass` and `@dataclass(frozen=..., slots=..., order=..., eq=...)`."""
        def wrap(cls):
            return _process(cls, frozen, slots, order, eq)
        return wrap if cls is None else wrap(cls)

    def replace(obj, /, **changes):
        """A copy of a record (or data class) with some fields changed."""
        specs = getattr(type(obj), "__record_fields__", None)
        if specs is None:
            import dataclasses

            return dataclasses.replace(obj, **changes)
        for name, spec in specs.items():
            if not spec.init:
                if name in changes:
                    raise ValueError(f"field {name} is declared with init=False, it cannot be "
                                     "specified with replace()")
                continue
            if name not in changes:
                changes[name] = getattr(obj, name)
        return obj.__class__(**changes)

__all__ = ["field", "field_names", "record", "replace"]


def field_names(instance: object) -> tuple[str, ...]:
    """The names of a record's (or data class's) fields, in order."""
    specs = getattr(instance, "__record_fields__", None)
    if specs is None:
        import dataclasses

        return tuple(f.name for f in dataclasses.fields(instance))  # type: ignore[arg-type]
    return tuple(specs)
