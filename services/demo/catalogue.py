"""What the demo plant is made of: machine types, skills, product families, materials, users.

Plain data. The generator decides how many of each a plant gets; this module says what they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.auth import Role


@dataclass(frozen=True, slots=True)
class Skill:
    code: str
    name: str
    certificate_months: int | None  # None: an internal qualification without expiry
    certified_by: str | None = None


SKILLS: tuple[Skill, ...] = (
    Skill("press_operation", "Press operation", 24, "DGUV press safety course"),
    Skill("press_brake", "Press brake bending", 24, "DGUV press safety course"),
    Skill("cnc_operation", "CNC machining centre operation", 36, "IHK CNC operator"),
    Skill("cnc_programming", "CNC programming (Heidenhain/Siemens)", None),
    Skill("laser_cutting", "Laser cutting (laser safety)", 24, "Laser safety officer"),
    Skill("welding", "MIG/MAG welding (EN ISO 9606-1)", 24, "TÜV welder qualification"),
    Skill("assembly", "Mechanical assembly", None),
    Skill("quality_inspection", "Quality inspection and CMM measuring", 36, "Zeiss CMM academy"),
    Skill("painting", "Powder coating", None),
    Skill("packaging", "Packaging and labelling", None),
    Skill("forklift", "Forklift licence", 36, "Forklift driving school"),
    Skill("crane", "Overhead crane operation", 24, "Crane operator course"),
    Skill("lockout_tagout", "Lockout/tagout (LOTO)", 12, "Plant safety officer"),
    Skill("first_aid", "First aid", 24, "Red Cross"),
)
SKILLS_BY_CODE: dict[str, Skill] = {s.code: s for s in SKILLS}

# Skills anybody on the floor may hold besides their trade, with how often they do.
GENERAL_SKILLS: tuple[tuple[str, float], ...] = (
    ("forklift", 0.30),
    ("crane", 0.12),
    ("lockout_tagout", 0.45),
    ("first_aid", 0.15),
)


@dataclass(frozen=True, slots=True)
class MachineType:
    code: str
    label: str  # what a machine of this type is called ("Press")
    category_id: str
    category_name: str
    area: str  # the part of a line it stands in (a machine's zone, an operator's home zone)
    skill: str  # the skill an operation on it requires
    required_skills: tuple[str, ...]
    related_skills: tuple[str, ...]  # skills an operator of this trade often holds as well
    department: str
    manufacturers: tuple[str, ...]
    weight: float  # share of the machine park
    cycle_s: float  # seconds per unit
    capacity_per_hour: float
    cost_per_hour: float
    setup_minutes: int  # typical change-over between two product families
    temperature_c: float  # running temperature
    vibration: float  # mm/s RMS when running
    power_kw: float
    parallel_capacity: int = 1


# In the order a small plant gets them: the press SAV100 and the CNC G1000 come first.
MACHINE_TYPES: tuple[MachineType, ...] = (
    MachineType(
        "press", "Press", "CAT-PRESS", "Presses", "Forming", "press_operation",
        ("press_operation", "lockout_tagout"), ("press_brake", "crane"), "Forming",
        ("Schuler", "AIDA", "Bruderer"), 3, 4.0, 600, 95, 45, 41.0, 3.2, 55.0,
    ),
    MachineType(
        "cnc", "CNC machining centre", "CAT-CNC", "CNC machining", "Machining", "cnc_operation",
        ("cnc_operation",), ("cnc_programming", "quality_inspection"), "Machining",
        ("DMG Mori", "Mazak", "Okuma", "Haas"), 4, 95.0, 30, 120, 35, 34.0, 1.8, 22.0,
    ),
    MachineType(
        "assembly", "Assembly station", "CAT-ASSY", "Assembly", "Assembly", "assembly",
        ("assembly",), ("quality_inspection", "packaging"), "Assembly",
        ("Bosch Rexroth", "item Industrietechnik"), 4, 110.0, 35, 60, 10, 24.0, 0.4, 3.0, 2,
    ),
    MachineType(
        "welding", "Welding cell", "CAT-WELD", "Welding", "Welding", "welding",
        ("welding",), ("assembly", "crane"), "Fabrication",
        ("Fronius", "KUKA", "Lincoln Electric"), 3, 80.0, 45, 85, 20, 47.0, 1.2, 18.0,
    ),
    MachineType(
        "inspection", "Inspection station (CMM)", "CAT-QC", "Quality inspection", "Quality",
        "quality_inspection", ("quality_inspection",), ("assembly", "cnc_operation"), "Quality",
        ("Zeiss", "Hexagon", "Mitutoyo"), 2, 60.0, 60, 70, 5, 21.5, 0.2, 2.0,
    ),
    MachineType(
        "laser", "Laser cutter", "CAT-CUT", "Cutting", "Cutting", "laser_cutting",
        ("laser_cutting",), ("press_brake", "forklift"), "Fabrication",
        ("Trumpf", "Bystronic"), 2, 40.0, 90, 110, 15, 29.0, 1.0, 30.0,
    ),
    MachineType(
        "bending", "Press brake", "CAT-BEND", "Bending", "Forming", "press_brake",
        ("press_brake",), ("press_operation", "laser_cutting"), "Forming",
        ("Trumpf", "Amada"), 2, 30.0, 120, 80, 25, 33.0, 1.5, 15.0,
    ),
    MachineType(
        "painting", "Powder coating booth", "CAT-PAINT", "Surface treatment", "Paint shop",
        "painting", ("painting",), ("packaging", "forklift"), "Finishing",
        ("Wagner", "Gema"), 2, 25.0, 140, 75, 40, 58.0, 0.6, 40.0,
    ),
    MachineType(
        "packaging", "Packaging station", "CAT-PACK", "Packaging", "Dispatch", "packaging",
        ("packaging",), ("forklift", "assembly"), "Logistics",
        ("Krones", "Mosca"), 2, 20.0, 180, 45, 10, 25.0, 0.8, 4.0,
    ),
)  # fmt: skip
MACHINE_TYPES_BY_CODE: dict[str, MachineType] = {t.code: t for t in MACHINE_TYPES}

OPERATION_NAMES: dict[str, str] = {
    "press": "Stamping",
    "cnc": "CNC machining",
    "assembly": "Assembly",
    "welding": "Welding",
    "inspection": "Inspection",
    "laser": "Laser cutting",
    "bending": "Bending",
    "painting": "Powder coating",
    "packaging": "Packing",
}

# Star machines of seed 004; other machines are named from these prefixes.
MACHINE_CODE_PREFIX: dict[str, str] = {
    "press": "SAV",
    "cnc": "G",
    "assembly": "ASM",
    "welding": "WLD",
    "inspection": "QC",
    "laser": "LSR",
    "bending": "BND",
    "painting": "PNT",
    "packaging": "PKG",
}


def machine_code(type_code: str, number: int) -> str:
    """``SAV100``, ``SAV110`` ... for presses, ``G1000``, ``G1010`` ... for CNC, ``WLD01`` ..."""
    if type_code == "press":
        return f"SAV{100 + 10 * number}"
    if type_code == "cnc":
        return f"G{1000 + 10 * number}"
    return f"{MACHINE_CODE_PREFIX[type_code]}{number + 1:02d}"


@dataclass(frozen=True, slots=True)
class Family:
    code: str  # part of product ids: P-BRK-100
    family: str  # setup family name
    label: str
    routing: tuple[tuple[str, bool], ...]  # (machine type, optional)
    quantity: tuple[int, int]  # ordered quantity range of a work order
    components: tuple[str, str, str, str, str]  # names of C1..C5
    raw: tuple[str, str]  # raw materials of the components (material codes)


FAMILIES: tuple[Family, ...] = (
    Family(
        "BRK", "brackets", "Mounting bracket",
        (("laser", False), ("bending", False), ("welding", True), ("painting", True),
         ("inspection", False), ("packaging", True)),
        (50, 500), ("base plate", "side plate", "cover", "stiffener", "pin"), ("STL-S3", "STL-B40"),
    ),
    Family(
        "HSG", "housings", "Gearbox housing",
        (("press", False), ("cnc", False), ("cnc", True), ("assembly", True),
         ("inspection", False)),
        (20, 200), ("housing shell", "flange", "lid", "rib", "dowel"), ("STL-S5", "ALU-B30"),
    ),
    Family(
        "FRM", "frames", "Machine frame",
        (("laser", False), ("welding", False), ("cnc", True), ("painting", False),
         ("assembly", False), ("inspection", True)),
        (10, 120), ("base rail", "upright", "cross member", "gusset", "mounting pin"),
        ("STL-T40", "STL-S5"),
    ),
    Family(
        "PNL", "panels", "Control panel",
        (("press", False), ("bending", True), ("assembly", False), ("inspection", True),
         ("packaging", False)),
        (40, 400), ("front plate", "back plate", "door", "hinge strip", "latch"),
        ("STL-S2", "ALU-S2"),
    ),
    Family(
        "SHF", "shafts", "Drive shaft",
        (("cnc", False), ("cnc", True), ("inspection", False), ("packaging", True)),
        (30, 300), ("shaft blank", "collar", "key", "spacer", "retaining pin"),
        ("STL-B40", "ALU-B30"),
    ),
    Family(
        "ENC", "enclosures", "Electrical enclosure",
        (("laser", False), ("bending", False), ("welding", True), ("painting", True),
         ("assembly", False), ("packaging", True)),
        (20, 250), ("body", "door panel", "mounting plate", "roof", "gland plate"),
        ("SS-S15", "STL-S2"),
    ),
)  # fmt: skip

# Sub-assembly and assembly names (seed 004's example structure).
ASSEMBLY_NAMES: dict[str, str] = {
    "AS1": "main assembly",
    "AS2": "fitting kit",
    "AS3": "welded sub-assembly",
    "AS4": "hinge sub-assembly",
}


@dataclass(frozen=True, slots=True)
class MaterialSpec:
    code: str  # MAT-<code>
    name: str
    unit: str
    category: str
    cost: float
    hazardous: bool = False
    critical: bool = False  # long lead time: a shortage stops the line


MATERIALS: tuple[MaterialSpec, ...] = (
    MaterialSpec("STL-S2", "Steel sheet S235 2 mm", "KG", "sheet metal", 1.10),
    MaterialSpec("STL-S3", "Steel sheet S235 3 mm", "KG", "sheet metal", 1.05),
    MaterialSpec("STL-S5", "Steel sheet S355 5 mm", "KG", "sheet metal", 1.20),
    MaterialSpec("ALU-S2", "Aluminium sheet AlMg3 2 mm", "KG", "sheet metal", 4.60),
    MaterialSpec("SS-S15", "Stainless sheet 1.4301 1.5 mm", "KG", "sheet metal", 4.10),
    MaterialSpec("STL-B40", "Steel bar C45 Ø40 mm", "M", "bar stock", 9.80),
    MaterialSpec("ALU-B30", "Aluminium bar 6082 Ø30 mm", "M", "bar stock", 12.40),
    MaterialSpec("STL-T40", "Steel tube 40x40x3 mm", "M", "tubes", 6.30),
    MaterialSpec("FST-M6", "Hex bolt M6x20 8.8 zinc", "EA", "fasteners", 0.06),
    MaterialSpec("FST-M8", "Hex bolt M8x30 8.8 zinc", "EA", "fasteners", 0.09),
    MaterialSpec("FST-N8", "Hex nut M8 zinc", "EA", "fasteners", 0.03),
    MaterialSpec("FST-W8", "Washer M8 DIN 125", "EA", "fasteners", 0.01),
    MaterialSpec("FST-R48", "Blind rivet 4.8 mm", "EA", "fasteners", 0.04),
    MaterialSpec("GSK-EPDM", "EPDM gasket profile", "M", "seals", 1.90, critical=True),
    MaterialSpec("SEAL-25", "Shaft seal 25x40x7", "EA", "seals", 2.40, critical=True),
    MaterialSpec("BRG-6204", "Ball bearing 6204-2RS", "EA", "bearings", 3.80, critical=True),
    MaterialSpec("CBL-H01", "Cable harness, 12-way", "EA", "electrical", 14.50, critical=True),
    MaterialSpec("CON-M12", "M12 connector, 5-pin", "EA", "electrical", 4.20, critical=True),
    MaterialSpec("WLD-G3", "Welding wire G3Si1 1.0 mm", "KG", "welding", 2.90),
    MaterialSpec("GAS-M21", "Shielding gas M21 (Ar/CO2)", "BTL", "welding", 38.00, True),
    MaterialSpec("PWD-9005", "Powder coating RAL 9005", "KG", "coatings", 8.50),
    MaterialSpec("PWD-7035", "Powder coating RAL 7035", "KG", "coatings", 8.20),
    MaterialSpec("PRE-ZP", "Zinc phosphate pre-treatment", "L", "coatings", 3.10, True),
    MaterialSpec("LBL-01", "Product label 100x50", "EA", "packaging", 0.05),
    MaterialSpec("CTN-M", "Carton box 400x300x300", "EA", "packaging", 1.20),
    MaterialSpec("CTN-L", "Carton box 600x400x400", "EA", "packaging", 1.90),
    MaterialSpec("PAL-EU", "EUR pallet 1200x800", "EA", "packaging", 11.00),
    MaterialSpec("FLM-23", "Stretch film 23 µm", "RL", "packaging", 14.00),
    MaterialSpec("OIL-68", "Hydraulic oil HLP 68", "L", "consumables", 3.40, True),
    MaterialSpec("CLN-05", "Cutting fluid concentrate", "L", "consumables", 5.70, True),
)  # fmt: skip
MATERIALS_BY_CODE: dict[str, MaterialSpec] = {m.code: m for m in MATERIALS}


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    display_name: str
    role: Role


USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Administrator", Role.ADMIN),
    DemoUser("lead", "Sam Berger (shift lead)", Role.SHIFT_LEAD),
    DemoUser("planner", "Noor Haddad (planner)", Role.PLANNER),
    DemoUser("super", "Lena Kowalski (supervisor)", Role.SUPERVISOR),
    DemoUser("viewer", "Control room display", Role.VIEWER),
)
