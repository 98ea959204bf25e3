"""Operators, their skills and certifications, shifts and attendance (seed 002 section 3.1)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from domain._checks import require_range, require_text
from domain.errors import ValidationError


class OperatorStatus(enum.StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    BREAK = "break"
    ABSENT = "absent"
    SICK = "sick"
    VACATION = "vacation"
    OFFLINE = "offline"

    @property
    def is_away(self) -> bool:
        return self in (
            OperatorStatus.ABSENT,
            OperatorStatus.SICK,
            OperatorStatus.VACATION,
            OperatorStatus.OFFLINE,
        )


class Proficiency(enum.IntEnum):
    BASIC = 1
    INTERMEDIATE = 2
    ADVANCED = 3
    EXPERT = 4


@dataclass(frozen=True, slots=True)
class OperatorSkill:
    skill_code: str
    skill_name: str
    proficiency: int
    certification_date: date | None = None
    certification_expiry: date | None = None
    certified_by: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.proficiency <= 4:
            raise ValidationError(
                f"proficiency of {self.skill_code} must be 1 (basic) to 4 (expert), "
                f"got {self.proficiency}",
                field="proficiency",
            )
        if (
            self.certification_date is not None
            and self.certification_expiry is not None
            and self.certification_expiry < self.certification_date
        ):
            raise ValidationError(
                f"certification of {self.skill_code} expires before it was issued"
            )

    def certified_on(self, day: date) -> bool:
        return self.certification_expiry is None or self.certification_expiry >= day

    def days_to_expiry(self, day: date) -> int | None:
        if self.certification_expiry is None:
            return None
        return (self.certification_expiry - day).days


@dataclass(slots=True)
class Operator:
    id: str
    employee_id: str
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    department: str | None = None
    home_zone: str | None = None
    line_id: str | None = None
    hire_date: date | None = None
    status: OperatorStatus = OperatorStatus.AVAILABLE
    status_updated_at: datetime | None = None
    efficiency_rating: float | None = None  # 0.00 .. 5.00
    on_time_rate: float | None = None  # percent
    skills: list[OperatorSkill] = field(default_factory=list)
    active: bool = True
    anonymised: bool = False
    version: int = 1
    updated_by: str | None = None
    updated_seat: str | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        require_text("first name", self.first_name)
        require_text("last name", self.last_name)
        require_range("efficiency rating", self.efficiency_rating, 0, 5)
        require_range("on-time completion rate", self.on_time_rate, 0, 100)
        codes = [s.skill_code for s in self.skills]
        if len(codes) != len(set(codes)):
            raise ValidationError(f"operator {self.id} lists a skill twice")

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def initials(self) -> str:
        return (self.first_name[:1] + self.last_name[:1]).upper()

    def skill(self, code: str) -> OperatorSkill | None:
        for s in self.skills:
            if s.skill_code == code:
                return s
        return None

    def set_status(self, status: OperatorStatus, at: datetime) -> OperatorStatus:
        previous = self.status
        self.status = status
        self.status_updated_at = at
        return previous

    def anonymise(self) -> None:
        """GDPR erasure (seed 002 section 12.2): keep the id for history, drop the person."""
        self.first_name = "REDACTED"
        self.last_name = "REDACTED"
        self.email = None
        self.phone = None
        self.anonymised = True


@dataclass(frozen=True, slots=True)
class ShiftBreak:
    start: time
    minutes: int

    def __post_init__(self) -> None:
        if self.minutes <= 0:
            raise ValidationError("a break lasts at least one minute")


@dataclass(slots=True)
class Shift:
    """A shift type: name, start and length, breaks, and which shifts may not follow it."""

    id: str
    name: str
    start: time
    minutes: int
    breaks: tuple[ShiftBreak, ...] = ()
    forbidden_next: tuple[str, ...] = ()
    colour: str = "#4e79a7"

    def __post_init__(self) -> None:
        require_text("shift name", self.name)
        if not 0 < self.minutes <= 24 * 60:
            raise ValidationError(f"shift {self.name} must last between 1 minute and 24 hours")

    def window_on(self, day: date, tz: object = None) -> tuple[datetime, datetime]:
        start = datetime.combine(day, self.start, tzinfo=tz)  # type: ignore[arg-type]
        return start, start + timedelta(minutes=self.minutes)

    @property
    def end(self) -> time:
        return (
            datetime.combine(date(2000, 1, 1), self.start) + timedelta(minutes=self.minutes)
        ).time()

    @property
    def crosses_midnight(self) -> bool:
        return self.start.hour * 60 + self.start.minute + self.minutes > 24 * 60


class ShiftAssignmentStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ABSENT = "absent"
    LATE = "late"


@dataclass(slots=True)
class ShiftAssignment:
    operator_id: str
    shift_id: str
    day: date
    status: ShiftAssignmentStatus = ShiftAssignmentStatus.SCHEDULED
    clock_in: datetime | None = None
    clock_out: datetime | None = None
    published: bool = True
    locked: bool = False
    id: int | None = None
    version: int = 1

    def clock_in_at(self, at: datetime, shift_start: datetime, grace_minutes: int = 5) -> None:
        # LATE is also the state after a late clock-in: without this check a second clock-in
        # would be accepted and overwrite the first time.
        if self.clock_in is not None:
            raise ValidationError(f"already clocked in at {self.clock_in:%H:%M}")
        if self.status not in (ShiftAssignmentStatus.SCHEDULED, ShiftAssignmentStatus.LATE):
            raise ValidationError(f"cannot clock in a shift that is {self.status.value}")
        self.clock_in = at
        late = at > shift_start + timedelta(minutes=grace_minutes)
        self.status = ShiftAssignmentStatus.LATE if late else ShiftAssignmentStatus.IN_PROGRESS

    def clock_out_at(self, at: datetime) -> None:
        if self.clock_in is None:
            raise ValidationError("cannot clock out before clocking in")
        if self.clock_out is not None:
            raise ValidationError(f"already clocked out at {self.clock_out:%H:%M}")
        if at < self.clock_in:
            raise ValidationError("clock-out is before clock-in")
        self.clock_out = at
        self.status = ShiftAssignmentStatus.COMPLETED


@dataclass(frozen=True, slots=True)
class Attendance:
    """A day of an operator's attendance history (seed 000: employee_attendance)."""

    operator_id: str
    day: date
    shift_id: str | None
    present: bool
    hours_worked: float = 0.0
    absence_reason: str | None = None
    late_minutes: int = 0
