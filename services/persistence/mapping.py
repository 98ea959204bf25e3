"""Maps domain dataclasses to table rows and back, by field name and type hint.

The domain does not know the database: this module reads each dataclass's fields once and builds
converters (enums to their values, tuples to JSON lists and back). Fields that live in other
tables (an operator's skills) are excluded and handled by their repository.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from sqlalchemy import Table

T = TypeVar("T")

Converter = Callable[[Any], Any]


def _identity(v: Any) -> Any:
    return v


def _unwrap_optional(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _to_tuple(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return tuple(_to_tuple(x) for x in v)
    return v


def _to_list(v: Any) -> Any:
    if isinstance(v, tuple | list):
        return [_to_list(x) for x in v]
    return v


def _converters_for(tp: Any) -> tuple[Converter, Converter]:
    tp = _unwrap_optional(tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        enum_cls = tp

        def dump(v: Any) -> Any:
            return None if v is None else v.value

        def load(v: Any) -> Any:
            return None if v is None else enum_cls(v)

        return dump, load
    origin = typing.get_origin(tp)
    if origin is tuple:
        return (lambda v: None if v is None else _to_list(v)), (
            lambda v: None if v is None else _to_tuple(v)
        )
    return _identity, _identity


class EntityMapper(Generic[T]):
    """Row <-> dataclass for one table."""

    def __init__(
        self,
        cls: type[T],
        table: Table,
        *,
        exclude: Iterable[str] = (),
        dump: Mapping[str, Converter] | None = None,
        load: Mapping[str, Converter] | None = None,
    ) -> None:
        self.cls = cls
        self.table = table
        hints = typing.get_type_hints(cls)
        excluded = set(exclude)
        self.fields: list[str] = []
        self._dump: dict[str, Converter] = {}
        self._load: dict[str, Converter] = {}
        columns = set(table.c.keys())
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name in excluded:
                continue
            if f.name not in columns:
                raise TypeError(f"{cls.__name__}.{f.name} has no column in table {table.name}")
            d, lo = _converters_for(hints[f.name])
            self._dump[f.name] = (dump or {}).get(f.name, d)
            self._load[f.name] = (load or {}).get(f.name, lo)
            self.fields.append(f.name)
        self.excluded = excluded

    def to_row(self, entity: T) -> dict[str, Any]:
        return {name: self._dump[name](getattr(entity, name)) for name in self.fields}

    def from_row(self, row: Mapping[Any, Any], **extra: Any) -> T:
        values = {name: self._load[name](row[name]) for name in self.fields if name in row}
        values.update(extra)
        return self.cls(**values)
