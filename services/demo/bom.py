"""Products with seed 004's multi-level BOM, and the materials at its leaves.

Per product family (brackets, housings, ...)::

    P-BRK-100 (product)
    ├── P-BRK-AS1 (assembly, shared by the family's products)
    │   ├── P-BRK-AS3 (sub-assembly) -> C2, C3, bolts [, welding wire]
    │   ├── P-BRK-AS4 (sub-assembly) -> C4, C5, rivets
    │   ├── P-BRK-C4, P-BRK-C5
    │   └── P-BRK-C1 (shared component: also directly under the product)
    ├── P-BRK-100-AS2 (assembly, the product's own fitting kit) -> C2, C3, a bought-in part
    ├── P-BRK-C1, P-BRK-C2, P-BRK-C3
    └── label, carton [, powder coating]

Components are made of raw materials (sheet, bar, tube); assemblies add bought-in parts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from domain.model.products import BomLine, Product, ProductType, check_bom_acyclic
from services.demo.catalogue import ASSEMBLY_NAMES, FAMILIES, Family
from services.demo.rand import split_counts, stream

# The bought-in part of each family's fitting kit (AS2): critical, long lead time.
_KIT_PARTS: dict[str, tuple[tuple[str, float], ...]] = {
    "BRK": (("FST-M8", 4), ("GSK-EPDM", 0.6)),
    "HSG": (("SEAL-25", 2), ("BRG-6204", 2)),
    "FRM": (("BRG-6204", 4), ("FST-M8", 8)),
    "PNL": (("CBL-H01", 1), ("CON-M12", 2)),
    "SHF": (("BRG-6204", 2), ("SEAL-25", 1)),
    "ENC": (("GSK-EPDM", 2.4), ("CON-M12", 1)),
}


@dataclass(frozen=True, slots=True)
class Catalogue:
    families: list[Family]
    products: list[Product]  # top-level products first, then assemblies and components
    bom_lines: list[BomLine]


def family_count(lines: int) -> int:
    return min(len(FAMILIES), max(2, lines + 1))


def build_catalogue(seed: int, lines: int, open_work_orders: int) -> Catalogue:
    rng = stream(seed, "products")
    families = list(FAMILIES[: family_count(lines)])
    n_products = min(60, max(len(families), round(open_work_orders / 16)))
    per_family = split_counts(n_products, [1.0] * len(families))
    tops: list[Product] = []
    parts: list[Product] = []
    bom: list[BomLine] = []
    for family, variants in zip(families, per_family, strict=True):
        shared_parts, shared_bom = _family_parts(rng, family)
        parts.extend(shared_parts)
        bom.extend(shared_bom)
        for v in range(variants):
            product, kit, lines_of_product = _product(rng, family, 100 * (v + 1))
            tops.append(product)
            parts.append(kit)
            bom.extend(lines_of_product)
    check_bom_acyclic(bom)
    return Catalogue(families=families, products=tops + parts, bom_lines=bom)


def _family_parts(rng: random.Random, family: Family) -> tuple[list[Product], list[BomLine]]:
    f = family.code
    welded = any(t == "welding" for t, _ in family.routing)

    def part(code: str, name: str, kind: ProductType) -> Product:
        return Product(f"P-{f}-{code}", f"{family.label} {name}", kind, family.family)

    parts = [
        part(f"C{i + 1}", name, ProductType.COMPONENT) for i, name in enumerate(family.components)
    ]
    parts += [
        part(code, ASSEMBLY_NAMES[code], kind)
        for code, kind in (
            ("AS3", ProductType.SUB_ASSEMBLY),
            ("AS4", ProductType.SUB_ASSEMBLY),
            ("AS1", ProductType.ASSEMBLY),
        )
    ]
    sheet, bar = family.raw

    def line(parent: str, child: str, qty: float, material: bool = False) -> BomLine:
        child_id = f"MAT-{child}" if material else f"P-{f}-{child}"
        return BomLine(f"P-{f}-{parent}", child_id, qty, material)

    bom = [
        line("C1", sheet, round(rng.uniform(1.5, 4.0), 2), True),
        line("C2", sheet, round(rng.uniform(0.8, 2.5), 2), True),
        line("C3", sheet if rng.random() < 0.5 else bar, round(rng.uniform(0.3, 1.2), 2), True),
        line("C4", bar, round(rng.uniform(0.2, 0.8), 2), True),
        line("C5", bar, round(rng.uniform(0.05, 0.2), 2), True),
        line("AS3", "C2", 2),
        line("AS3", "C3", 1),
        line("AS3", "FST-M6", 4, True),
        line("AS4", "C4", 1),
        line("AS4", "C5", 2),
        line("AS4", "FST-R48", 6, True),
        line("AS1", "AS3", 1),
        line("AS1", "AS4", 1),
        line("AS1", "C4", 2),
        line("AS1", "C5", 2),
        line("AS1", "C1", 1),
        line("AS1", "FST-M8", 4, True),
        line("AS1", "FST-N8", 4, True),
        line("AS1", "FST-W8", 8, True),
    ]
    if welded:
        bom.append(line("AS3", "WLD-G3", round(rng.uniform(0.05, 0.2), 2), True))
    return parts, bom


def _product(
    rng: random.Random, family: Family, number: int
) -> tuple[Product, Product, list[BomLine]]:
    f = family.code
    pid = f"P-{f}-{number}"
    product = Product(pid, f"{family.label} {f}-{number}", ProductType.PRODUCT, family.family)
    kit = Product(
        f"{pid}-AS2",
        f"{family.label} {f}-{number} {ASSEMBLY_NAMES['AS2']}",
        ProductType.ASSEMBLY,
        family.family,
    )
    kit_part, kit_qty = _KIT_PARTS[f][(number // 100) % 2]
    lines = [
        BomLine(kit.id, f"P-{f}-C2", 1),
        BomLine(kit.id, f"P-{f}-C3", rng.choice((1, 2))),
        BomLine(kit.id, f"MAT-{kit_part}", kit_qty, True),
        BomLine(pid, f"P-{f}-AS1", 1),
        BomLine(pid, kit.id, 1),
        BomLine(pid, f"P-{f}-C1", rng.choice((1, 2))),
        BomLine(pid, f"P-{f}-C2", 2),
        BomLine(pid, f"P-{f}-C3", 1),
        BomLine(pid, "MAT-LBL-01", 1, True),
        BomLine(pid, "MAT-CTN-L" if f in ("FRM", "ENC", "HSG") else "MAT-CTN-M", 1, True),
    ]
    if any(t == "painting" for t, _ in family.routing):
        colour = "MAT-PWD-9005" if number % 200 else "MAT-PWD-7035"
        lines.append(BomLine(pid, colour, round(rng.uniform(0.2, 0.6), 2), True))
    return product, kit, lines
