"""SQL statements built once per shape and reused with parameters.

Building a SQLAlchemy statement (coercing every column and value, then computing its cache key)
cost an allocation call more CPU than sending it; the calls' statements differ only in their
values, so each shape is built once, with bound parameters (``expanding`` ones for ``IN``
lists), and reused from every thread.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

_BUILT: dict[Hashable, Any] = {}
_MAX = 256


def built(key: Hashable, make: Callable[[], Any]) -> Any:
    """The statement of ``key``, made by ``make`` the first time (a race makes it twice, which
    is harmless: statements are immutable)."""
    stmt = _BUILT.get(key)
    if stmt is None:
        stmt = make()
        if len(_BUILT) < _MAX:
            _BUILT[key] = stmt
    return stmt
