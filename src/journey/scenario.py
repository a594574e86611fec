"""The typed scenario: every parameter of the relationship model (``docs/model.md``) in one place.

Each field carries its default, bounds, unit and a one-line literature note. Unknown keys and
out-of-range values are rejected with the key's name. Scenarios load from and save to YAML;
presets ship with the package (``journey/presets/*.yaml``).
"""

from __future__ import annotations

import numbers
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from journey.errors import ScenarioError
from journey.yaml_io import load_yaml, parse_yaml


def P(default: Any, lo: float | None, hi: float | None, unit: str, note: str) -> Any:  # noqa: N802
    """A model parameter: default, closed bounds, unit and a literature note."""
    return Field(default, ge=lo, le=hi, description=note, json_schema_extra={"unit": unit})


class Scenario(BaseModel):
    """All parameters of one simulated market (firm policy and customers)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    name: str = Field("default", description="label of the scenario")
    segment: str = Field("standard", description="segment label written to customers.segment")

    # --- courtship (months < 0) ---
    courtship_months: float = P(2.0, 1.0, 12.0, "months",
                                "mean courtship length; B2B sales cycles run longer")
    courtship_contacts: float = P(3.0, 0.0, 30.0, "contacts/month",
                                  "sales attention before signing (seed 002: 'always available')")
    sales_quality: float = P(8.0, 0.0, 10.0, "points 0-10",
                             "perceived quality of sales treatment; courtship is charm")
    sales_quality_sd: float = P(1.0, 0.0, 5.0, "points", "spread of sales treatment across reps")
    promise_inflation: float = P(1.0, 0.0, 5.0, "points",
                                 "promises raise expectation E above what sales or service deliver")
    read_temper: float = P(0.7, 0.0, 1.0, "share",
                           "share of the promise inflation that reading the contract removes"
                           " from E")
    prior_satisfaction: float = P(5.0, 0.0, 10.0, "points",
                                  "a prospect's expectation before the first contact")
    conversion_logit: float = P(0.0, -10.0, 10.0, "logit",
                                "conversion log-odds at an offer value (S + E)/2 of 7")
    conversion_slope: float = P(0.8, 0.0, 5.0, "logit/point",
                                "conversion rises with courtship satisfaction and expectation")

    # --- signing and the contract (month 0) ---
    term_months: int = P(24, 0, 120, "months", "contract term; 0 = no fixed term")
    fee_schedule: Literal["none", "flat", "declining"] = Field(
        "declining", description="early-termination fee: none, flat, or declining to term end")
    exit_fee: float = P(6.0, 0.0, 120.0, "months of price", "early-termination fee at signing")
    financing_months: int = P(0, 0, 360, "months", "handset/loan financing that falls due on exit")
    financing_balance: float = P(0.0, 0.0, 240.0, "months of price",
                                 "financed balance at signing, amortised linearly")
    price: float = P(30.0, 0.0, 1e6, "currency/month",
                     "monthly amount billed for the service (contract fee, service charge)")
    read_share: float = P(0.3, 0.0, 1.0, "share",
                          "share who read the contract (UOKiK: over 70% of Poles do not)")
    clause_bite_rate: float = P(0.3, 0.0, 1.0, "probability",
                                "chance an unread clause bites when a problem occurs")
    clause_shock: float = P(2.0, 0.0, 10.0, "points", "quality shock of a hidden clause")

    # --- service (months >= 0) ---
    service_quality: float = P(6.0, 0.0, 10.0, "points 0-10",
                               "mean perceived quality of the service staff")
    service_quality_sd: float = P(1.0, 0.0, 5.0, "points",
                                  "quality spread between service staff members")
    month_noise_sd: float = P(1.0, 0.0, 5.0, "points", "month-to-month noise of perceived quality")
    handle_time_cap: float = P(5.0, 0.1, 60.0, "minutes",
                               "call-centre handle-time target (seed 002: 1.5 minutes)")
    handle_time_needed: float = P(4.0, 0.1, 60.0, "minutes",
                                  "time a typical problem needs; a lower cap cuts resolution")
    problem_rate: float = P(0.10, 0.0, 1.0, "per month", "chance of a service problem")
    resolution_rate: float = P(0.8, 0.0, 1.0, "probability",
                               "first-contact resolution when the cap is not binding")
    problem_penalty: float = P(1.0, 0.0, 10.0, "points", "quality cost of a resolved problem")
    unresolved_penalty: float = P(3.0, 0.0, 10.0, "points",
                                  "quality cost of an unresolved problem (Tax et al. 1998)")
    staff_turnover: float = P(0.05, 0.0, 1.0, "per month",
                              "chance the customer's contact person leaves (internal loyalty)")
    newcomer_gap: float = P(1.5, 0.0, 5.0, "points",
                            "quality gap of a new contact person to an experienced one")
    learning_months: float = P(6.0, 0.1, 60.0, "months",
                               "time constant over which a new contact person closes the gap")
    bond_growth: float = P(0.10, 0.0, 1.0, "per month",
                           "bond R grows toward 1 with an unchanged contact person")
    bond_loss: float = P(0.6, 0.0, 1.0, "share", "share of the bond lost when staff change")
    sales_bond_carryover: float = P(0.2, 0.0, 1.0, "share",
                                    "share of the courtship bond kept after signing (1: the same"
                                    " person serves, e.g. a key account manager)")
    service_sensitivity_sd: float = P(0.5, 0.0, 2.0, "log-sd",
                                      "customers differ in how much service incidents hurt")
    outbound_rate: float = P(0.3, 0.0, 1.0, "per month", "chance of an outbound call")
    outbound_care: float = P(0.2, 0.0, 1.0, "share", "share of outbound calls that are care")
    outbound_upsell: float = P(0.5, 0.0, 1.0, "share", "share that are upsell offers")
    outbound_collection: float = P(0.3, 0.0, 1.0, "share", "share that are debt collection")
    care_effect: float = P(0.8, -5.0, 5.0, "points", "quality effect of a care call")
    upsell_effect: float = P(-0.3, -5.0, 5.0, "points", "quality effect of an upsell call")
    collection_effect: float = P(-1.0, -5.0, 5.0, "points", "quality effect of a collection call")

    # --- satisfaction dynamics (Oliver 1980 expectation-disconfirmation) ---
    satisfaction_lambda: float = P(0.3, 0.0, 1.0, "per month",
                                   "speed at which S adapts to this month's experience")
    disconfirmation_weight: float = P(0.5, 0.0, 3.0, "1", "weight δ of D = Q - E in S")
    loss_weight: float = P(2.0, 1.0, 5.0, "ratio",
                           "negative disconfirmation weighs this many times more than positive"
                           " (Anderson & Sullivan 1993)")
    expectation_prior_months: float = P(3.0, 0.0, 120.0, "months of experience",
                                        "weight of the courtship expectation when it is updated"
                                        " by experience (Rust et al. 1999)")
    expectation_adapt: float = P(0.05, 0.0, 1.0, "per month",
                                 "floor of the expectation learning rate (recent months count)")

    # --- exit barriers, in months of price (Jones, Mothersbaugh & Beatty 2000) ---
    procedural_barrier: float = P(1.0, 0.0, 60.0, "months of price",
                                  "switching effort: paperwork, porting (Burnham et al. 2003)")
    mental_base: float = P(0.5, 0.0, 240.0, "months of price",
                           "mental barrier of a typical customer (habit, moving house)")
    mental_trait_sd: float = P(0.5, 0.0, 3.0, "log-sd", "spread of the mental barrier")
    bond_weight: float = P(2.0, 0.0, 60.0, "months of price", "mental barrier from a full bond")
    sunk_investment: float = P(0.0, 0.0, 240.0, "months of price",
                               "sunk investment lost on exit (re-learning, fit-out)")

    # --- exits: cause-specific hazards (docs/model.md) ---
    alpha0: float = P(-4.0, -15.0, 5.0, "logit", "baseline log-odds of a dissatisfaction exit")
    alpha_S: float = P(0.5, 0.0, 5.0, "logit/point", "dissatisfaction raises exit (Bolton 1998)")
    competitor_alpha0: float = P(-6.0, -15.0, 5.0, "logit",
                                 "baseline log-odds of leaving for a competitor's offer")
    alpha_C: float = P(1.0, 0.0, 5.0, "logit/unit", "competitor attractiveness raises exit")
    alpha_B: float = P(0.15, 0.0, 5.0, "logit/month of price", "barriers hold customers")
    alpha_SB: float = P(0.02, 0.0, 1.0, "logit/(point x month)",
                        "barriers hold most when satisfaction is low (Jones et al. 2000)")
    satisfaction_target: float = P(7.0, 0.0, 10.0, "points", "S* where dissatisfaction starts")
    churn_heterogeneity: float = P(1.0, 0.0, 10.0, "variance",
                                   "variance of the gamma frailty on the exit odds (0: everyone"
                                   " alike; 1: sBG-like spread, Fader & Hardie 2007)")
    other_exit_rate: float = P(0.001, 0.0, 0.2, "per month",
                               "exits for reasons outside the relationship (moving, closure)")
    forced_exit_rate: float = P(0.001, 0.0, 0.2, "per collection call",
                                "chance a collection call ends the contract (forced exit)")

    # --- renewal at term end ---
    recontract_logit: float = P(-1.0, -10.0, 10.0, "logit",
                                "log-odds of signing a new term at term end (at S = S*, R = 0)")
    recontract_slope: float = P(0.4, 0.0, 5.0, "logit/point",
                                "satisfied customers re-contract more")
    recontract_bond: float = P(1.0, 0.0, 10.0, "logit/unit bond",
                               "a bond with the contact person favours re-contracting")
    term_end_boost: float = P(1.5, 0.0, 6.0, "logit",
                              "attention in the month the term lapses: customers shop around")
    rollover_boost: float = P(0.7, 0.0, 6.0, "logit",
                              "month-to-month customers after a lapsed term churn more (Ofcom)")

    # --- market ---
    competitor_base: float = P(0.0, -5.0, 5.0, "units", "competitor attractiveness before entry")
    competitor_entry_month: int = P(-1, -1, 600, "calendar month", "entry month; -1 = never")
    competitor_attractiveness: float = P(1.0, -5.0, 5.0, "units", "attractiveness after entry")

    # --- partner programme (seed 000): partial exit as share-of-wallet ---
    partners: bool = Field(False, description="relationships are partners with share-of-wallet")
    partner_volume_sd: float = P(1.0, 0.0, 3.0, "log-sd", "spread of partner volume")
    idea_rate: float = P(0.2, 0.0, 1.0, "per month", "chance a partner sends an idea")
    ideas_adopted: float = P(0.5, 0.0, 1.0, "share", "share of ideas adopted: being heard")
    heard_bond: float = P(0.15, 0.0, 1.0, "bond", "bond gained when an idea is adopted")
    sow_initial: float = P(0.7, 0.01, 0.99, "share", "mean share of wallet at signing")
    sow_concentration: float = P(6.0, 0.5, 100.0, "1",
                                 "Beta concentration of the initial share (higher: more alike)")
    sow_speed: float = P(0.15, 0.0, 1.0, "per month",
                         "speed at which the share moves toward its target")
    sow_satisfaction: float = P(0.3, 0.0, 3.0, "logit/point",
                                "satisfaction raises the target share")
    sow_bond: float = P(1.0, 0.0, 5.0, "logit/unit bond", "a bond raises the target share")
    partner_rewards: float = P(0.5, 0.0, 1.0, "intensity",
                               "rewards for sales and ideas (seed 000), 0 none to 1 full")
    reward_effect: float = P(1.0, 0.0, 5.0, "logit/unit", "rewards raise the target share")
    sow_erosion: float = P(1.5, 0.0, 10.0, "logit/unit C",
                           "an attractive competitor lowers the target share, unshielded")
    sow_shield: float = P(0.7, 0.0, 1.0, "share", "share of the competitor pull a full bond blocks")

    # --- channel presence on an external platform (seed 001) ---
    platform_share: float = P(0.0, 0.0, 1.0, "share", "mean share of dialogue on the platform")
    platform_exit_month: int = P(-1, -1, 600, "calendar month", "firm leaves; -1 = never")
    announcement_lead: int = P(0, 0, 24, "months", "months the exit is announced ahead")
    keep_contact_data: bool = Field(False, description="contact data also kept in-house")
    owned_capture: float = P(0.6, 0.0, 1.0, "share",
                             "share of platform customers captured in-house when data is kept")
    migration_rate: float = P(0.15, 0.0, 1.0, "per month of notice",
                              "chance a platform customer moves to an owned channel each month")
    platform_exit_shock: float = P(1.0, 0.0, 10.0, "points",
                                   "quality shock for an unreached platform-only customer")

    # --- economics of the relationship (value metrics only; the engine does not use them) ---
    margin_rate: float = P(1.0, 0.0, 1.0, "share of price",
                           "gross margin: share of the price left after the cost of the service"
                           " itself (Gupta, Lehmann & Stuart 2004 take margins from annual"
                           " reports); 1 = revenue, no cost of service")
    acquisition_cost: float = P(0.0, 0.0, 1e7, "currency per prospect",
                                "cost of courting one prospect (sales, marketing, commissions),"
                                " paid whether the prospect signs or not")
    retention_cost: float = P(0.0, 0.0, 1e6, "currency per customer-month",
                              "cost of serving and keeping one customer for a month (care,"
                              " retention offers); cash cost per user (CCPU) in telecom reports")

    # --- surveys ---
    survey_rate: float = P(0.1, 0.0, 1.0, "per month", "chance a customer is asked to rate")
    response_rate: float = P(0.3, 0.0, 1.0, "share",
                             "share of those asked who answer (at S = S*)")
    response_slope: float = P(-0.1, -2.0, 2.0, "logit/point",
                              "response depends on satisfaction (< 0: the dissatisfied answer"
                              " more)")
    rating_noise_sd: float = P(1.0, 0.0, 5.0, "points", "answer noise around S")
    recommend_shift: float = P(0.0, -5.0, 5.0, "points",
                               "likelihood to recommend minus satisfaction, on average")
    recommend_bond: float = P(1.0, 0.0, 5.0, "points per unit bond",
                              "a bond raises the likelihood to recommend")
    recommend_noise_sd: float = P(1.5, 0.0, 5.0, "points",
                                  "answer noise of the likelihood-to-recommend item")

    @field_validator("*", mode="before")
    @classmethod
    def _no_loose_types(cls, value: Any, info: ValidationInfo) -> Any:
        """A YAML slip is not a value: ``read_share: true`` is not 1.0, ``partners: 1`` or
        ``partners: "yes"`` is not True, ``price: "30"`` is not 30 (an int is a float)."""
        kind = cls.model_fields[info.field_name].annotation if info.field_name else None
        is_bool = isinstance(value, bool) or getattr(getattr(value, "dtype", None), "kind",
                                                     "") == "b"  # numpy's bool_ too
        if kind is bool and not is_bool:
            raise ValueError(f"expected true or false, got {_shown(value)}")
        if kind in (int, float) and (is_bool or not isinstance(value, numbers.Real)):
            raise ValueError(f"expected a number, got {_shown(value)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        mix = self.outbound_care + self.outbound_upsell + self.outbound_collection
        if abs(mix - 1.0) > 1e-6:
            raise ValueError(
                f"outbound_care + outbound_upsell + outbound_collection must sum to 1, got {mix:g}"
            )
        if self.term_months > 0 and self.financing_months > self.term_months:
            raise ValueError(
                "financing_months must not exceed term_months (financing falls due with the"
                f" contract), got {self.financing_months} > {self.term_months}"
            )
        if self.term_months == 0 and self.fee_schedule != "none" and self.exit_fee > 0:
            raise ValueError("exit_fee needs a term: set term_months > 0 or fee_schedule: none")
        return self

    # --- construction and I/O ---
    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "scenario") -> Scenario:
        """Validate a mapping; the error names the source and each offending key."""
        if not isinstance(data, dict):
            raise ScenarioError(f"{source}: expected a mapping of parameter: value")
        try:
            return cls(**data)
        except ValidationError as exc:
            raise ScenarioError(_explain(exc, source)) from None

    @classmethod
    def from_yaml(cls, path: str | Path) -> Scenario:
        """Read a scenario file (:func:`journey.yaml_io.load_yaml`: size, alias and key limits)."""
        data = load_yaml(path, "scenario file", ScenarioError)
        return cls.from_dict({} if data is None else data, f"scenario file {path}")

    def to_yaml(self, path: str | Path | None = None) -> str:
        text = yaml.safe_dump(self.model_dump(), sort_keys=False)
        if path is not None:
            Path(path).write_text(text)
        return text

    def replace(self, **changes: Any) -> Scenario:
        """A copy with some parameters changed, validated like any scenario."""
        return Scenario.from_dict({**self.model_dump(), **changes}, f"{self.name} (changed)")

    @classmethod
    def describe(cls) -> list[dict[str, Any]]:
        """One row per parameter: name, default, bounds, unit, note."""
        rows = []
        for name, f in cls.model_fields.items():
            lo = hi = None
            for m in f.metadata:
                lo = getattr(m, "ge", lo)
                hi = getattr(m, "le", hi)
            extra = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
            rows.append({"name": name, "default": f.default, "min": lo, "max": hi,
                         "unit": extra.get("unit", ""), "note": f.description or ""})
        return rows


# parameters of earlier versions of the model, and what took their place (docs/model.md)
RETIRED = {
    "new_staff_penalty": "replaced by newcomer_gap and learning_months (a new contact person"
                         " starts below an experienced one and learns)",
}


def _shown(value: Any, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters, with its type when it is text or a flag."""
    text = repr(value)
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return f"{text} ({type(value).__name__})" if isinstance(value, str | bool) else text


SHOWN_ERRORS = 3  # problems listed in one message; the rest are counted


def _explain(exc: ValidationError, source: str) -> str:
    """One short line: the first :data:`SHOWN_ERRORS` problems, each value cut short, and the
    count of the rest (a file of 10^5 unknown keys is still one line of a few hundred
    characters)."""
    errors = exc.errors(include_url=False, include_context=False)
    parts = []
    for err in errors[:SHOWN_ERRORS]:
        key = _shorten(".".join(str(x) for x in err["loc"]), 60)
        if not key:  # a rule across parameters
            parts.append(err["msg"].removeprefix("Value error, "))
        elif err["type"] == "extra_forbidden" and key in RETIRED:
            parts.append(f"parameter '{key}' was retired: {RETIRED[key]}")
        elif err["type"] == "extra_forbidden":
            parts.append(f"unknown parameter '{key}'")
        elif err["type"] == "value_error":
            parts.append(f"parameter '{key}': {err['msg'].removeprefix('Value error, ')}")
        else:
            parts.append(f"parameter '{key}': {err['msg']} (got {_shown(err.get('input'))})")
    if len(errors) > SHOWN_ERRORS:
        parts.append(f"and {len(errors) - SHOWN_ERRORS:,} more")
    return f"{source}: " + "; ".join(parts)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


PRESETS = ("telecom", "housing", "subscription", "bank_partners")


def load_scenario(preset: str, path: str | Path | None = None) -> Scenario:
    """A study's market: the scenario file at ``path`` when given (e.g. written by ``journey
    calibrate``), else the shipped ``preset``."""
    return Scenario.from_yaml(path) if path else load_preset(preset)


def load_preset(name: str) -> Scenario:
    """Load a shipped preset by name (see :data:`PRESETS`)."""
    if name not in PRESETS:
        raise ScenarioError(f"unknown preset '{name}'; expected one of {', '.join(PRESETS)}")
    text = resources.files("journey").joinpath("presets", f"{name}.yaml").read_text()
    return Scenario.from_dict(parse_yaml(text, f"preset {name}", ScenarioError), f"preset {name}")
