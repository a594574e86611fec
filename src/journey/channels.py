"""Through which channel does a driver act? Switch the model's channels off, one set at a time,
with common random numbers, and share the driver's effect between them (exact Shapley values).

A driver (e.g. ``staff_turnover``) moves an outcome (e.g. value per prospect) from a reference
dose ``x0`` to a dose ``x1`` through several channels of the model, each of which a scenario
parameter can switch off (e.g. the bond channel with ``bond_loss = 0``: a new contact person
no longer breaks the customer's bond; the learning channel with ``newcomer_gap = 0``: a new
contact person serves as well as an experienced one). For every set ``A`` of channels left on
(the others switched off) the driver's effect is

``Δ(A) = f(x1; A) − f(x0; A)``,

measured on the same cohort (same seed: the simulator draws its random numbers in an order
that does not depend on these parameters, ``docs/model.md`` "Common random numbers"), so the
comparison is not drawn from noise. ``Δ(N)`` with every channel on is the **total** effect;
``Δ(∅)`` with every channel off is what the driver does through the parts of the model no
channel covers (**other**). The Shapley value of channel ``k`` (Shapley 1953) over the
channels ``N`` (``n = |N|``) is

``φ_k = Σ_{A ⊆ N∖{k}} |A|! (n − |A| − 1)! / n! · [Δ(A ∪ {k}) − Δ(A)]``,

the mean, over every order of switching the channels on, of the effect channel ``k`` adds. It is
**efficient**, ``Σ_k φ_k = Δ(N) − Δ(∅)`` (with ``other``, the parts add up to the total), and
**symmetric** (two channels that add the same to every set get the same share); an interaction
between channels is split equally between them. With two channels ``b`` and ``l``:
``φ_b = ½ [Δ({b}) − Δ(∅)] + ½ [Δ({b, l}) − Δ({l})]``. The one-at-a-time **removal**
``Δ(N) − Δ(N ∖ {k})`` (the effect lost when only ``k`` is switched off) is reported beside it:
removals do not add up to the total when channels interact.

This is the counterfactual reading of mediation (Pearl 2001; Imai, Keele & Tingley 2010): the
channel switches set a mediator's response to the driver to zero, and with ``n = 2`` the
Shapley shares are the average of the two orders in which the natural direct and indirect
effects can be taken (VanderWeele 2013 for the three-way decomposition with an interaction).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import combinations
from typing import Any

import pandas as pd

from journey.attribution import shapley_exact
from journey.errors import ParameterError, ScenarioError
from journey.scenario import Scenario

__all__ = ["channel_levels", "decompose_channels", "shapley_values"]

Channels = Mapping[str, Mapping[str, Any]]
Measure = Callable[[Scenario], Mapping[str, float]]


def _subsets(names: Sequence[str]) -> list[frozenset[str]]:
    return [frozenset(c) for r in range(len(names) + 1) for c in combinations(names, r)]


def _check(scenario: Scenario, driver: str, channels: Channels) -> None:
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a Scenario, got {type(scenario).__name__}")
    fields = Scenario.model_fields
    if driver not in fields:
        raise ScenarioError(f"driver: '{driver}' is not a scenario parameter")
    if not channels:
        raise ParameterError("channels: expected at least one channel name -> {parameter: value"
                             " that switches it off}")
    for name, off in channels.items():
        if not off:
            raise ParameterError(f"channels['{name}']: expected the parameters that switch it off")
        unknown = [p for p in off if p not in fields]
        if unknown:
            raise ScenarioError(f"channels['{name}']: {', '.join(unknown)} is not a scenario"
                                " parameter")
        if driver in off:
            raise ScenarioError(f"channels['{name}']: a channel cannot switch the driver"
                                f" '{driver}' itself")


def channel_levels(scenario: Scenario, driver: str, doses: Sequence[float],
                   channels: Channels, measure: Measure
                   ) -> dict[tuple[float, frozenset[str]], dict[str, float]]:
    """``f(x; A)``: the outcomes at every dose ``x`` for every set ``A`` of channels left on.

    ``channels`` maps a channel's name to the parameter values that switch it off (e.g.
    ``{"bond": {"bond_loss": 0.0}, "learning": {"newcomer_gap": 0.0}}``); ``measure`` maps a
    scenario to outcomes ``{name: value}`` and must use the same seed for every call (common
    random numbers). ``len(doses) · 2^n`` scenarios are measured, each once. Returns
    ``{(x, A): {outcome: f(x; A)}}``.
    """
    _check(scenario, driver, channels)
    out: dict[tuple[float, frozenset[str]], dict[str, float]] = {}
    for on in _subsets(list(channels)):
        off = {p: v for name, upd in channels.items() if name not in on for p, v in upd.items()}
        for x in dict.fromkeys(float(d) for d in doses):
            out[(x, on)] = {k: float(v) for k, v in
                            measure(scenario.replace(**off, **{driver: x})).items()}
    return out


def shapley_values(effects: Mapping[frozenset[str], float], names: Sequence[str]
                   ) -> dict[str, float]:
    """Exact Shapley value of each channel from ``Δ(A)`` on every subset ``A`` of ``names``.

    ``φ_k = Σ_{A ⊆ N∖{k}} |A|!(n − |A| − 1)!/n! · [Δ(A ∪ {k}) − Δ(A)]`` (Shapley 1953);
    ``Σ_k φ_k = Δ(N) − Δ(∅)``. ``effects`` must hold all ``2^n`` subsets. Computed by
    :func:`journey.attribution.shapley_exact` with ``v(A) = Δ(A)``.
    """
    names = list(names)
    if len(set(names)) != len(names):
        raise ParameterError(f"names: channel names must be distinct, got {names}")
    missing = [sorted(a) for a in _subsets(names) if a not in effects]
    if missing:
        raise ParameterError(f"effects: missing the subsets {missing} of the channels {names}")
    return dict(shapley_exact(names, lambda a: effects[frozenset(a)]).values)


def decompose_channels(scenario: Scenario, driver: str, doses: Sequence[float],
                       reference: float, channels: Channels, measure: Measure) -> pd.DataFrame:
    """The driver's effect at each dose against ``reference``, shared between ``channels``.

    ``Δ(A) = f(x; A) − f(reference; A)`` for every set ``A`` of channels left on, then the
    exact Shapley values ``φ_k`` of the channels (Shapley 1953; formulas in the module
    docstring), so that ``Δ(N) = Σ_k φ_k + Δ(∅)``.

    Parameters
    ----------
    scenario
        The scenario as it is (every channel on).
    driver
        The scenario parameter swept (e.g. ``"staff_turnover"``).
    doses
        Values of ``driver`` to report (duplicates are measured once).
    reference
        The value of ``driver`` every dose is compared with (e.g. 0: nobody leaves).
    channels
        Channel name → the parameter values that switch it off, e.g.
        ``{"bond": {"bond_loss": 0.0}, "learning": {"newcomer_gap": 0.0}}``.
    measure
        Scenario → outcomes ``{name: value}``, with the same seed at every call (common
        random numbers: the effects are then differences on one cohort).

    Returns
    -------
    pandas.DataFrame
        One row per dose, column ``dose`` and, per outcome ``o``: ``o`` = the level ``f(x; N)``
        (the scenario as it is); ``o.total`` = ``Δ(N)``; ``o.via_<k>`` = ``φ_k``; ``o.other`` =
        ``Δ(∅)``, the effect with every channel off; ``o.removal_<k>`` = ``Δ(N) − Δ(N ∖ {k})``,
        the effect lost when only ``k`` is switched off. Replicate over seeds and summarise
        with ``journey.replications.summarize_replications(rows, by="dose")``.
    """
    report = list(dict.fromkeys(float(d) for d in doses))
    if not report:
        raise ParameterError("doses: expected at least one value of the driver")
    x0 = float(reference)
    xs = list(dict.fromkeys([x0, *report]))
    lv = channel_levels(scenario, driver, xs, channels, measure)
    names = list(channels)
    everything, nothing = frozenset(names), frozenset()
    rows = []
    for x in report:
        row: dict[str, float] = {"dose": x}
        for o, level in lv[(x, everything)].items():
            delta = {a: lv[(x, a)][o] - lv[(x0, a)][o] for a in _subsets(names)}
            row[o] = level
            row[f"{o}.total"] = delta[everything]
            row |= {f"{o}.via_{k}": phi for k, phi in shapley_values(delta, names).items()}
            row[f"{o}.other"] = delta[nothing]
            row |= {f"{o}.removal_{k}": delta[everything] - delta[everything - {k}]
                    for k in names}
        rows.append(row)
    return pd.DataFrame(rows)
