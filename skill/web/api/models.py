"""Request and response bodies of the REST API, as pydantic models (the OpenAPI document is built from them).

Request models forbid unknown fields, so a typo ("time" for "times") is a 422 naming the field rather
than a silently ignored setting. Domain rules (skill.domain.models) are re-checked by building the domain
record, and their message is returned as the reason.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from skill.domain.errors import ValidationError as DomainError
from skill.domain.models import FIRST_YEAR, LAST_YEAR, Schedule

HHMM = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["08:00"])]
Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"\S")]
MAX_RANGE_DAYS = 366


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the field, or 'body' / 'query' for the whole input")
    location: Literal["body", "query", "path"]
    reason: str


class ErrorBody(BaseModel):
    error: Literal["invalid_input", "unauthorised", "forbidden", "not_found", "conflict"]
    message: str
    fields: list[FieldError] = Field(default_factory=list)


# -- recipients --------------------------------------------------------------------------------------
class RecipientOut(BaseModel):
    id: str
    display_name: str
    timezone: str
    locale: str
    grace_minutes: int
    organisation: str


class RecipientList(BaseModel):
    items: list[RecipientOut]


# -- medications -------------------------------------------------------------------------------------
class ScheduleIn(Strict):
    times: list[HHMM] = Field(default_factory=list, max_length=24)
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] | None = Field(
        default=None, max_length=7, description="0 = Monday ... 6 = Sunday; null for every day")
    every_n_days: int = Field(default=1, ge=1, le=366)
    start: date
    end: date | None = None
    as_needed: bool = False
    min_interval_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    max_per_day: int | None = Field(default=None, ge=1, le=48)

    @model_validator(mode="after")
    def _domain_rules(self) -> ScheduleIn:
        self.to_domain()
        return self

    def to_domain(self) -> Schedule:
        try:
            return Schedule(times=tuple(time.fromisoformat(t) for t in self.times),
                            weekdays=tuple(self.weekdays) if self.weekdays is not None else None,
                            every_n_days=self.every_n_days, start=self.start, end=self.end,
                            as_needed=self.as_needed, min_interval_minutes=self.min_interval_minutes,
                            max_per_day=self.max_per_day)
        except DomainError as exc:
            raise ValueError(str(exc)) from None


class ScheduleOut(BaseModel):
    times: list[str]
    weekdays: list[int] | None
    every_n_days: int
    start: date
    end: date | None
    as_needed: bool
    min_interval_minutes: int | None
    max_per_day: int | None


class MedicationIn(Strict):
    name: Name
    also_called: list[Name] = Field(
        default_factory=list, max_length=5,
        description="What the person calls it (\"heart pill\"): heard by Alexa as this medicine. Names equal to "
                    "`name`, or to each other ignoring case, are kept once.")
    dose_text: str = Field(default="", max_length=100)
    instructions: str = Field(default="", max_length=500)
    schedule: ScheduleIn
    pill_count: int | None = Field(default=None, ge=0, le=100_000)
    refill_threshold: int | None = Field(default=None, ge=0, le=100_000)
    pills_per_dose: int = Field(default=1, ge=1, le=20)
    taken_before_entry: bool = Field(
        default=False, description="Already being taken when entered: doses scheduled before it was entered "
                                   "are `not_recorded` rather than not expected")


class MedicationOut(BaseModel):
    id: str
    recipient_id: str
    name: str
    also_called: list[str]
    dose_text: str
    instructions: str
    schedule: ScheduleOut
    pill_count: int | None
    refill_threshold: int | None
    pills_per_dose: int
    active: bool
    taken_before_entry: bool = False


class MedicationList(BaseModel):
    items: list[MedicationOut]


# -- doses -------------------------------------------------------------------------------------------
DoseState = Literal["pending", "taken", "taken_late", "skipped", "missed", "not_recorded"]


class DoseOut(BaseModel):
    id: str
    medication_id: str
    medication_name: str
    scheduled_local: datetime
    scheduled_utc: datetime
    status: DoseState = Field(description="A pending dose past its grace window is reported as missed")
    logged_at: datetime | None
    source: Literal["voice", "web", "cli", "api"] | None


class DoseList(BaseModel):
    items: list[DoseOut]


# Days a range may name: a day in year 1 or 9999 has no UTC window (datetime overflows), and none holds a dose.
Day = Annotated[date, Field(ge=date(FIRST_YEAR, 1, 1), le=date(LAST_YEAR, 12, 31))]


class DateRange(Strict):
    start: Day = Field(description="First local day (YYYY-MM-DD)")
    end: Day = Field(description="Last local day, inclusive (YYYY-MM-DD)")

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError("end is before start")
        if (self.end - self.start).days >= MAX_RANGE_DAYS:
            raise ValueError(f"a range covers {MAX_RANGE_DAYS} days at most")
        return self


class DoseLogIn(Strict):
    action: Literal["taken", "skipped"] = "taken"
    at: AwareDatetime | None = Field(default=None, description="When it was taken (with offset); default now")
    count: int | None = Field(default=None, ge=1, le=50, description="Pills taken, when not the planned dose")
    confirm: bool = Field(default=False, description="Record a dose taken early, or a second as-needed dose "
                                                     "moments after the first")


class DoseLogOut(BaseModel):
    applied: bool = Field(description="False when the dose had been logged before; `dose` is that earlier log")
    dose: DoseOut
    pills_left: int | None = None
    warnings: list[Literal["early", "too_soon", "over_daily_max", "more_than_planned"]] = Field(
        default_factory=list, description="Recorded as reported, beyond the plan: the contacts were alerted")
    safety_event_id: str | None = None
    earlier_open: list[str] = Field(default_factory=list, description="Earlier doses of it still not recorded")


# -- contacts ----------------------------------------------------------------------------------------
class QuietHours(Strict):
    start: HHMM
    end: HHMM


class ContactIn(Strict):
    name: Name
    channel: Literal["email", "sms", "webhook"]
    # No pattern here: the use case checks every edge's addresses alike (a national number has spaces).
    address: str = Field(min_length=3, max_length=320, description="Checked for its channel; a national phone "
                                                                   "number is read in the person's country")
    quiet_hours: QuietHours | None = None
    escalate_after_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    name_medicines: bool = False
    priority: int = Field(default=0, ge=0, le=100)


class ContactOut(BaseModel):
    id: str
    recipient_id: str
    name: str
    channel: str
    address: str
    quiet_hours: QuietHours | None
    escalate_after_minutes: int | None
    name_medicines: bool
    priority: int


class ContactList(BaseModel):
    items: list[ContactOut]


# -- reports -----------------------------------------------------------------------------------------
class SummaryQuery(Strict):
    days: int = Field(default=30, ge=1, le=366)


class CountsOut(BaseModel):
    on_time: int
    late: int
    missed: int
    skipped: int = Field(description="Shown apart: not in the adherence denominator")
    not_due: int
    adherence: float | None = Field(description="(on_time + late) / (on_time + late + missed); null if none due")


class MedicationCounts(BaseModel):
    medication_id: str
    medication_name: str
    counts: CountsOut


class SummaryOut(BaseModel):
    recipient_id: str
    days: int
    start: datetime
    end: datetime
    counts: CountsOut
    pdc: float | None = Field(description="Proportion of days covered")
    by_medication: list[MedicationCounts]
    last_activity: datetime | None


CohortSort = Literal["name", "adherence_7", "adherence_30", "adherence_90", "missed_30", "trend",
                     "last_activity"]


class CohortQuery(Strict):
    below: float | None = Field(default=None, ge=0, le=100, description="Only rows with 30-day adherence below")
    sort: CohortSort = "name"
    descending: bool = False
    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class CohortRowOut(BaseModel):
    recipient_id: str
    display_name: str
    adherence_7: float | None
    adherence_30: float | None
    adherence_90: float | None
    pdc_30: float | None
    missed_30: int
    skipped_30: int
    trend: float | None
    last_activity: datetime | None


class CohortPage(BaseModel):
    total: int
    items: list[CohortRowOut]


# -- exports -----------------------------------------------------------------------------------------
class FeedOut(BaseModel):
    url: str = Field(description="Secret calendar URL: shown once; anyone with it can read the schedule")
    created_at: datetime


class FeedStatus(BaseModel):
    active: bool
    created_at: datetime | None
