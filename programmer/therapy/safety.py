"""Safety findings for a new prescription, as the Finish screen shows them before programming.

A pure function of the old and new prescription, the drug library, the clock and the
dose history. Every limit comes from the drug library (resources/drugs.json): a clinic
corrects a limit there, never here. Each finding names a stable rule id so the session,
the log and the training debrief can refer to it.

Doses are compared at their highest: for a per-weekday flex schedule that is the highest
weekday's daily dose, because the patient receives that dose on that day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from msgspec import Struct

from programmer.therapy.drugs import Drug, DrugLibrary, same_drug
from programmer.therapy.prescription import BolusKind, InfusionMode, Prescription
from programmer.therapy.schedule import format_minute
from programmer.therapy.units import DoseRate, DrugUnit
from programmer.wording import WEEKDAYS, TitledEnum, date_text, duration_text, format_number, moment_text, percent_text

DAY = timedelta(days=1)
# Ratios within ±10 % of a suspicious factor (24×, 10×) look like an entry error.
_RATIO_TOLERANCE = 0.10
_EPSILON = 1e-9


class FindingSeverity(TitledEnum):
    BLOCK = "block", "Not allowed"  # cannot be programmed
    NEEDS_REASON = "needs_reason", "Reason required"  # may be programmed with a reason, which is logged
    WARNING = "warning", "Warning"  # shown, must be seen
    INFO = "info", "Note"  # shown


_ORDER = list(FindingSeverity)


class Finding(Struct, frozen=True):
    """A safety rule's finding on a prescription: how severe, which rule, and the message with its numbers."""

    severity: FindingSeverity
    rule: str  # stable id, e.g. "hard_limit"
    message: str  # plain language, with the numbers

    def __str__(self) -> str:
        return f"{self.severity.title}: {self.message}"


class DoseChange(Struct, frozen=True):
    """A daily dose as programmed at `at` (the history of a pump's daily doses)."""

    at: datetime
    daily_dose: DoseRate


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity is FindingSeverity.BLOCK]


def needing_reason(findings: Iterable[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity is FindingSeverity.NEEDS_REASON]


# --- reading doses out of a prescription ----------------------------------------------------
def _weekdays(*prescriptions: Prescription | None) -> range:
    per_weekday = any(
        p is not None and p.mode is InfusionMode.FLEX and p.schedule.per_weekday for p in prescriptions
    )
    return range(7) if per_weekday else range(1)


def _is_per_weekday(prescription: Prescription) -> bool:
    return prescription.mode is InfusionMode.FLEX and prescription.schedule.per_weekday


def day_doses(prescription: Prescription, unit: DrugUnit) -> list[tuple[int, DoseRate]]:
    """(weekday, base daily dose) for each distinct day: one entry, or seven for a per-weekday schedule."""
    return [(day, prescription.daily_dose_on(day).to(unit)) for day in _weekdays(prescription)]


def peak_daily_dose(prescription: Prescription, unit: DrugUnit | None = None) -> DoseRate:
    """The highest base daily dose of any weekday (boluses excluded), in `unit` (default: the prescription's)."""
    unit = unit or prescription.unit
    return max((dose for _, dose in day_doses(prescription, unit)), key=lambda dose: dose.per_day)


def _base_rate_at(prescription: Prescription, weekday: int, minute: int) -> DoseRate:
    if prescription.mode is InfusionMode.FLEX:
        return prescription.schedule.day(weekday).rate_at(minute)
    return prescription.daily_dose_on(weekday)


def _day_label(weekday: int, per_weekday: bool) -> str:
    return f"{WEEKDAYS[weekday]}'s " if per_weekday else ""


# --- the rules ----------------------------------------------------------------------------
def safety_findings(
    old: Prescription | None,
    new: Prescription,
    library: DrugLibrary,
    *,
    now: datetime,
    implant_date: date | None = None,
    history: Sequence[DoseChange] = (),
) -> list[Finding]:
    """Everything the clinician must see before `new` replaces `old`, most serious first.

    `implant_date` may be a date (time not recorded: counted from the end of that day, the
    safe side) or a datetime. `history` lists programmed daily doses in any order; entries
    after `now` are ignored.
    """
    drug, findings = _library_drug(new, library)
    unit = drug.unit if drug is not None else new.unit
    kept = old is not None and same_drug(old.drug, new.drug)
    # The history belongs to the drug in the pump: after a drug change it says nothing about the new one.
    relevant = history if old is None or kept else ()
    past = sorted((change for change in relevant if change.at <= now), key=lambda change: change.at)

    if drug is not None:
        findings += _drug_rules(drug, new)
        findings += _limit_rules(drug, new)
        findings += _titration_rules(drug, old if kept else None, new, now, implant_date, past)
        findings += _starting_dose_rule(drug, old, new, kept)
    if old is not None:
        findings += _change_rules(old, new, unit, kept)
        if kept:
            findings += _entry_error_rules(old, new, unit)
            findings += _large_cut_rule(drug, old, new, unit)
    findings += _mode_rules(new)
    return sorted(findings, key=lambda finding: _ORDER.index(finding.severity))


def _library_drug(prescription: Prescription, library: DrugLibrary) -> tuple[Drug | None, list[Finding]]:
    try:
        return library[prescription.drug], []
    except KeyError:
        message = (
            f"{prescription.drug} is not in the drug library ({', '.join(library.names)}): "
            "choose a drug from the library"
        )
        return None, [Finding(FindingSeverity.BLOCK, "unknown_drug", message)]


def limit_findings(prescription: Prescription, library: DrugLibrary) -> list[Finding]:
    """The drug library's limits on one prescription by itself: drug, concentration, daily and step doses.

    No comparison with an earlier program: this is what a program breaks wherever it came from.
    """
    drug, findings = _library_drug(prescription, library)
    if drug is not None:
        findings += _drug_rules(drug, prescription) + _limit_rules(drug, prescription)
    return sorted(findings, key=lambda finding: _ORDER.index(finding.severity))


def _drug_rules(drug: Drug, new: Prescription) -> list[Finding]:
    findings = []
    if drug.off_label:
        findings.append(
            Finding(
                FindingSeverity.WARNING,
                "off_label",
                f"off-label: {drug.name} is not approved for intrathecal use; it is compounded, "
                "so check the pharmacy label and the prescriber's order",
            )
        )
    if new.unit is not drug.unit:
        findings.append(
            Finding(
                FindingSeverity.WARNING,
                "library_unit",
                f"{drug.name} is dosed in {drug.unit.value} in the drug library, but this prescription is in "
                f"{new.unit.value}: check for a mg/mcg mix-up",
            )
        )
    concentration = new.concentration.to(drug.unit)
    maximum = drug.concentration(drug.max_concentration_per_ml)
    if concentration.per_ml > maximum.per_ml * (1 + _EPSILON):
        findings.append(
            Finding(
                FindingSeverity.BLOCK,
                "max_concentration",
                f"concentration {concentration} is above the {drug.name} maximum of {maximum}",
            )
        )
    elif drug.labelled_concentrations_per_ml and not drug.is_labelled(concentration):
        labelled = ", ".join(format_number(value) for value in drug.labelled_concentrations_per_ml)
        findings.append(
            Finding(
                FindingSeverity.WARNING,
                "unlabelled_concentration",
                f"concentration {concentration} is not a labelled {drug.name} strength "
                f"({labelled} {drug.unit.value}/mL): check the vial label",
            )
        )
    return findings


def _limit_rules(drug: Drug, new: Prescription) -> list[Finding]:
    limits = drug.daily_dose
    hard, soft_max, soft_min = drug.rate(limits.hard_max), drug.rate(limits.soft_max), drug.rate(limits.soft_min)
    per_weekday = _is_per_weekday(new)
    findings = []
    doses = day_doses(new, drug.unit)
    day, peak = max(doses, key=lambda item: item[1].per_day)
    if peak.per_day > hard.per_day + _EPSILON:
        findings.append(
            Finding(
                FindingSeverity.BLOCK,
                "hard_limit",
                f"{_day_label(day, per_weekday)}daily dose {peak} is above the {drug.name} hard limit of {hard}: "
                "it cannot be programmed",
            )
        )
    elif peak.per_day > soft_max.per_day + _EPSILON:
        findings.append(
            Finding(
                FindingSeverity.NEEDS_REASON,
                "soft_max",
                f"{_day_label(day, per_weekday)}daily dose {peak} is above the {drug.name} soft limit of {soft_max} "
                f"(hard limit {hard}): give a reason",
            )
        )
    # The minimum-rate mode is a deliberate keep-open flow, and stopped has its own warning.
    if new.mode in (InfusionMode.SIMPLE_CONTINUOUS, InfusionMode.FLEX):
        low_day, lowest = min(doses, key=lambda item: item[1].per_day)
        if lowest.per_day < soft_min.per_day - _EPSILON:
            findings.append(
                Finding(
                    FindingSeverity.NEEDS_REASON,
                    "soft_min",
                    f"{_day_label(low_day, per_weekday)}daily dose {lowest} is below the {drug.name} soft minimum "
                    f"of {soft_min}: give a reason",
                )
            )
    if new.mode is InfusionMode.FLEX:
        findings += _step_rate_rule(drug, new, hard)
    if new.bolus is not None and new.bolus.kind in (BolusKind.SINGLE, BolusKind.CLINICIAN):
        findings += _bolus_day_rule(drug, new, hard, soft_max)
    return findings


def _step_rate_rule(drug: Drug, new: Prescription, hard: DoseRate) -> list[Finding]:
    """A step may run above the hard daily limit for an hour and keep the day's dose low: still refused."""
    per_weekday = new.schedule.per_weekday
    offending = []
    for weekday in _weekdays(new):
        for interval in new.schedule.day(weekday).intervals():
            rate = interval.rate.to(drug.unit)
            if rate.per_day > hard.per_day + _EPSILON:
                where = f"{WEEKDAYS[weekday]} " if per_weekday else ""
                offending.append(f"{where}{interval.day_label(per_weekday)} runs at {rate} ({rate.per_hour_text()})")
    if not offending:
        return []
    steps = "; ".join(offending)
    return [
        Finding(
            FindingSeverity.BLOCK,
            "hard_limit_step",
            f"step {steps}: above the {drug.name} hard limit of {hard} — {PER_DAY_AS_PER_HOUR}",
        )
    ]


def _bolus_day_rule(drug: Drug, new: Prescription, hard: DoseRate, soft_max: DoseRate) -> list[Finding]:
    """The 24 h from the start of a clinician or single bolus: bolus dose plus the base rate in what is left.

    Above the hard limit it is refused; above the soft limit it needs a reason, as a daily dose there does.
    """
    bolus = new.bolus
    bolus_days = bolus.duration / DAY
    bolus_dose = bolus.dose.to(drug.unit).amount
    if bolus_days >= 1:
        day_dose = bolus_dose / bolus_days
        base = 0.0
    else:
        base = peak_daily_dose(new.after_bolus(), drug.unit).per_day * (1 - bolus_days)
        day_dose = bolus_dose + base
    delivers = (
        f"the 24 h from the start of the bolus would deliver {format_number(day_dose)} {drug.unit.value} "
        f"(bolus {bolus.dose.to(drug.unit)} + {format_number(base)} {drug.unit.value} at the base rate)"
    )
    if day_dose > hard.per_day + _EPSILON:
        limit = f"{delivers}, above the {drug.name} hard limit of {hard}"
        return [Finding(FindingSeverity.BLOCK, "hard_limit_bolus", limit)]
    if day_dose > soft_max.per_day + _EPSILON:
        return [
            Finding(
                FindingSeverity.NEEDS_REASON,
                "soft_max_bolus",
                f"{delivers}, above the {drug.name} soft limit of {soft_max} (hard limit {hard}): give a reason",
            )
        ]
    return []


def _dose_24h_ago(past: Sequence[DoseChange], now: datetime, unit: DrugUnit) -> DoseRate | None:
    earlier = [change for change in past if change.at <= now - DAY]
    return earlier[-1].daily_dose.to(unit) if earlier else None


def _last_increase(past: Sequence[DoseChange], unit: DrugUnit) -> datetime | None:
    """When the daily dose last rose; the first entry counts, as starting a drug is a rise from nothing."""
    last = None
    previous = None
    for change in past:
        dose = change.daily_dose.to(unit).per_day
        if previous is None or dose > previous + _EPSILON:
            last = change.at
        previous = dose
    return last


def _titration_rules(
    drug: Drug,
    old: Prescription | None,
    new: Prescription,
    now: datetime,
    implant_date: date | None,
    past: Sequence[DoseChange],
) -> list[Finding]:
    """Limits on how fast a dose may rise. `old` is None when there is nothing of this drug to compare with."""
    titration = drug.titration
    new_peak = peak_daily_dose(new, drug.unit)
    old_peak = peak_daily_dose(old, drug.unit) if old is not None else None
    rises = old_peak is not None and new_peak.per_day > old_peak.per_day + _EPSILON
    findings = []

    if titration.max_increase_percent_per_24h is not None:
        reference = _dose_24h_ago(past, now, drug.unit)
        source = "24 h ago"
        if reference is None and old_peak is not None:
            reference, source = old_peak, "now"
        if reference is not None and reference.per_day > 0 and (old_peak is None or rises):
            change = new_peak.percent_change_from(reference)
            if change > titration.max_increase_percent_per_24h + _EPSILON:
                findings.append(
                    Finding(
                        FindingSeverity.NEEDS_REASON,
                        "titration_rate",
                        f"daily dose rises {percent_text(change)} in 24 h ({reference} {source} → {new_peak}): "
                        f"{drug.name} increases are limited to +{format_number(titration.max_increase_percent_per_24h)}"
                        " % per 24 h",
                    )
                )

    if titration.max_step_per_day is not None and old_peak is not None:
        step = new_peak - old_peak
        limit = drug.rate(titration.max_step_per_day)
        if step.per_day > limit.per_day + _EPSILON:
            findings.append(
                Finding(
                    FindingSeverity.NEEDS_REASON,
                    "titration_step",
                    f"daily dose rises by {step} ({old_peak} → {new_peak}): {drug.name} increases are limited "
                    f"to {limit} at a time",
                )
            )

    if titration.min_hours_between_increases is not None and rises:
        last = _last_increase(past, drug.unit)
        gap = timedelta(hours=titration.min_hours_between_increases)
        if last is not None and now - last < gap:
            hours = (now - last) / timedelta(hours=1)
            findings.append(
                Finding(
                    FindingSeverity.NEEDS_REASON,
                    "titration_interval",
                    f"the last increase was {format_number(hours)} h ago ({moment_text(last)}): {drug.name} increases "
                    f"need at least {format_number(titration.min_hours_between_increases)} h between them "
                    f"(next from {moment_text(last + gap)})",
                )
            )

    if titration.no_increase_hours_after_implant is not None and implant_date is not None:
        if isinstance(implant_date, datetime):
            implanted, when = implant_date, moment_text(implant_date)
        else:
            # Only the date is known: count from the end of that day, so a late implant is covered too.
            implanted = datetime.combine(implant_date + DAY, time())
            when = f"{date_text(implant_date)}, time not recorded"
        allowed_from = implanted + timedelta(hours=titration.no_increase_hours_after_implant)
        if rises and old_peak.per_day > 0 and now < allowed_from:
            findings.append(
                Finding(
                    FindingSeverity.BLOCK,
                    "increase_after_implant",
                    f"{drug.name} must not be increased in the first "
                    f"{format_number(titration.no_increase_hours_after_implant)} h after implant ({when}): "
                    f"{old_peak} → {new_peak} is allowed from {moment_text(allowed_from)}",
                )
            )
    return findings


def _starting_dose_rule(drug: Drug, old: Prescription | None, new: Prescription, same_drug: bool) -> list[Finding]:
    """Starting (or restarting after no delivery) above the usual starting dose: tolerance may be lost."""
    if drug.starting_dose is None:
        return []
    starting = not same_drug or peak_daily_dose(old, drug.unit).per_day == 0
    new_peak = peak_daily_dose(new, drug.unit)
    maximum = drug.rate(drug.starting_dose.max)
    if not starting or new_peak.per_day <= maximum.per_day + _EPSILON:
        return []
    usual = f"{format_number(drug.starting_dose.min)}–{maximum}"
    return [
        Finding(
            FindingSeverity.NEEDS_REASON,
            "starting_dose",
            f"{drug.name} starts at {new_peak} from no delivery of it: the usual starting dose is {usual}; "
            "after a stop, tolerance may be lost",
        )
    ]


def _change_rules(old: Prescription, new: Prescription, unit: DrugUnit, same_drug: bool) -> list[Finding]:
    findings = []
    old_peak, new_peak = peak_daily_dose(old), peak_daily_dose(new)
    if not same_drug:
        findings.append(
            Finding(
                FindingSeverity.WARNING,
                "drug_change",
                f"drug changes from {old.drug} to {new.drug}: check drug, concentration and dose with a second person",
            )
        )
    if old.unit is not new.unit:
        findings.append(
            Finding(
                FindingSeverity.WARNING,
                "unit_change",
                f"unit changes from {old.unit.value} to {new.unit.value}: {old_peak} → {new_peak} "
                f"({old.concentration} → {new.concentration}); check for a mg/mcg mix-up",
            )
        )
    label = "Daily dose (highest weekday)" if _is_per_weekday(old) or _is_per_weekday(new) else "Daily dose"
    change = new_peak.percent_change_from(old_peak)
    before = f"{format_number(old_peak.per_day)}" if old.unit is new.unit else str(old_peak)
    if not same_drug:
        text = f"{label} {old_peak} ({old.drug}) → {new_peak} ({new.drug}): a different drug, no % change"
    elif change is None and new_peak.per_day > 0:
        text = f"{label} {before} → {new_peak} (from no delivery)"
    elif change is None or abs(change) < _EPSILON:
        text = ""  # an unchanged dose is no finding: "1.8 → 1.8 mg/day (unchanged)" was noise beside what changes
    else:
        text = f"{label} {before} → {new_peak} ({percent_text(change, signed=True)})"
    if text:
        findings.append(Finding(FindingSeverity.INFO, "dose_change", text))
    if same_drug and abs(new.concentration.to(unit).per_ml - old.concentration.to(unit).per_ml) > _EPSILON:
        findings.append(
            Finding(
                FindingSeverity.INFO,
                "concentration_change",
                f"concentration {old.concentration} → {new.concentration}: a bridge bolus pushes the old "
                f"{old.concentration} out of the pump tubing and catheter",
            )
        )
    return findings


# --- entry slips: one rule for the review's finding and the schedule editor's hint -------------------
# 24x the current rate: a figure per day was taken as per hour (typed in the per-hour field, or multiplied
# by 24 again); 1/24: a figure per hour was taken as per day. Either way the number shown per hour next to
# the new rate per day is the figure that was meant per day, or the other way round.
PER_DAY_AS_PER_HOUR = "was a dose per day typed as per hour?"
PER_HOUR_AS_PER_DAY = "was a dose per hour typed as per day?"
_SLIPS = (
    ("per_hour_per_day", 24, PER_DAY_AS_PER_HOUR, PER_HOUR_AS_PER_DAY),
    ("tenfold", 10, "a tenfold (decimal point) slip?", "a tenfold (decimal point) slip?"),
)


class EntrySlip(Struct, frozen=True):
    """A new rate about 24x or 10x the one it replaces (or 1/24, 1/10): the slip those numbers suggest."""

    rule: str  # "per_hour_per_day" or "tenfold", the finding's rule id
    ratio: float  # new / current, both per day
    question: str

    @property
    def ratio_text(self) -> str:
        """'24×' or '1/24 of'."""
        return f"{format_number(self.ratio)}×" if self.ratio >= 1 else f"1/{format_number(1 / self.ratio)} of"

    def describe(self, new_text: str, current: DoseRate, current_name: str) -> str:
        """'0.075 mg/day is 1/24 of this step's rate now (1.8 mg/day = 0.075 mg/h) — was a dose per hour …?'"""
        return (
            f"{new_text} is {self.ratio_text} {current_name} ({current} = {current.per_hour_text()}) — "
            f"{self.question}"
        )


# A cut this large (or more) of the daily dose can bring on withdrawal: it is shown as a warning.
LARGE_CUT_PERCENT = 50.0


def _large_cut_rule(drug: Drug | None, old: Prescription, new: Prescription, unit: DrugUnit) -> list[Finding]:
    """A daily dose cut by half or more, still delivering: withdrawal can follow (baclofen's can kill)."""
    old_peak, new_peak = peak_daily_dose(old, unit), peak_daily_dose(new, unit)
    change = new_peak.percent_change_from(old_peak)
    if change is None or new_peak.per_day <= 0 or change > -LARGE_CUT_PERCENT:
        return []
    name = drug.name if drug is not None else new.drug
    return [
        Finding(
            FindingSeverity.WARNING,
            "large_cut",
            f"daily dose falls {percent_text(-change)} ({old_peak} → {new_peak}): a cut this large can bring on "
            f"{name} withdrawal — check the order and watch the patient",
        )
    ]


def _near(ratio: float, factor: float) -> bool:
    return abs(ratio / factor - 1) <= _RATIO_TOLERANCE


def entry_slip(current: DoseRate, new: DoseRate) -> EntrySlip | None:
    """The slip `new` suggests beside `current` (within ±10 % of 24x, 10x, 1/24 or 1/10); None when none."""
    if current.per_day <= 0 or new.per_day <= 0:
        return None
    ratio = new.to(current.unit).per_day / current.per_day
    for rule, factor, up, down in _SLIPS:
        if _near(ratio, factor):
            return EntrySlip(rule, ratio, up)
        if _near(ratio, 1 / factor):
            return EntrySlip(rule, ratio, down)
    return None


def _entry_error_rules(old: Prescription, new: Prescription, unit: DrugUnit) -> list[Finding]:
    """A new dose 24x or 10x the current one (or 1/24, 1/10) looks like a per-hour/per-day or decimal slip."""
    comparisons: list[tuple[str, DoseRate, DoseRate]] = [
        ("daily dose", peak_daily_dose(old, unit), peak_daily_dose(new, unit))
    ]
    if new.mode is InfusionMode.FLEX:
        per_weekday = new.schedule.per_weekday
        for weekday in _weekdays(old, new):
            for interval in new.schedule.day(weekday).intervals():
                minute = interval.start_minute
                where = f"{WEEKDAYS[weekday]} " if per_weekday else ""
                comparisons.append(
                    (
                        f"step {where}{interval.day_label(per_weekday)} (from {format_minute(minute)})",
                        _base_rate_at(old, weekday, minute).to(unit),
                        interval.rate.to(unit),
                    )
                )
    found: dict[str, Finding] = {}  # one finding per rule: the first comparison that shows it
    for what, before, after in comparisons:
        slip = entry_slip(before, after)
        if slip is not None and slip.rule not in found:
            text = slip.describe(f"{what} {after.day_and_hour_text()}", before, "the current one")
            found[slip.rule] = Finding(FindingSeverity.NEEDS_REASON, slip.rule, text)
    return [found[rule] for rule, *_ in _SLIPS if rule in found]


def _mode_rules(new: Prescription) -> list[Finding]:
    if new.mode is InfusionMode.STOPPED:
        return [
            Finding(
                FindingSeverity.WARNING,
                "stopped",
                "infusion mode Stopped: the pump will deliver no drug until it is reprogrammed — "
                "withdrawal can follow",
            )
        ]
    if new.mode is InfusionMode.SINGLE_BOLUS:
        return [
            Finding(
                FindingSeverity.WARNING,
                "stops_after_bolus",
                f"single bolus: after {new.bolus.dose} over {duration_text(new.bolus.duration)} "
                "the pump will deliver no drug until it is reprogrammed",
            )
        ]
    return []
