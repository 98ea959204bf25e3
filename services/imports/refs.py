"""Existing rows an import may name by code: lines, work centres, products, operators."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from services.persistence.tables import people, plant, work

REFERENCE_NAMES = {
    "line": "line",
    "work_centre": "work centre",
    "product": "product",
    "operator": "operator (employee id)",
}


class Refs:
    """Looks codes up in the database, each table once per import."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._cache: dict[str, dict[str, str]] = {}

    def _load(self, ref: str) -> dict[str, str]:
        """code -> id (and for products id -> name, used as the default product name)."""
        if ref in self._cache:
            return self._cache[ref]
        table: dict[str, str] = {}
        if ref == "line":
            table = {r.id: r.id for r in self.conn.execute(select(plant.lines.c.id))}
        elif ref == "work_centre":
            table = {r.id: r.id for r in self.conn.execute(select(plant.work_centres.c.id))}
        elif ref == "product":
            p = work.products
            table = {r.id: r.name for r in self.conn.execute(select(p.c.id, p.c.name))}
        elif ref == "operator":
            o = people.operators
            for r in self.conn.execute(select(o.c.id, o.c.employee_id)):
                table.setdefault(r.id, r.id)
                table[r.employee_id] = r.id  # the employee number wins over an equal id
        else:
            raise KeyError(ref)
        self._cache[ref] = table
        return table

    def resolve(self, ref: str, code: str) -> str | None:
        """The id ``code`` names, or None when there is no such row."""
        table = self._load(ref)
        if ref == "product":
            return code if code in table else None
        return table.get(code)

    def product_name(self, product_id: str) -> str | None:
        return self._load("product").get(product_id)
