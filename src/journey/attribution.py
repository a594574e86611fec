"""Shapley-value attribution of a change to its causes: exact over every coalition, or sampled.

A *cooperative game* is a set of players ``N = {1, …, n}`` and a value ``v(S)`` for every
coalition ``S ⊆ N``. Here a player is a cause (a journey stage whose breakdown is repaired, say)
and ``v(S)`` is an outcome when the causes in ``S`` are switched (the stages in ``S`` repaired);
the change to share out is ``v(N) − v(∅)``. The **Shapley value** (Shapley 1953) of player i is
its marginal contribution averaged over the coalitions it can join, weighted as if the players
arrived in a uniformly random order:

.. math::

    φ_i(v) = Σ_{S ⊆ N∖{i}} \\frac{|S|!\\,(n − |S| − 1)!}{n!} [v(S ∪ {i}) − v(S)]
           = \\frac{1}{n!} Σ_{π} [v(P_i^π ∪ {i}) − v(P_i^π)],

``P_i^π`` the players before i in the order π. Shapley's game has ``v(∅) = 0``; a game with
``v(∅) ≠ 0`` is the game ``v − v(∅)``, which has the same marginal contributions, so nothing
changes except that the values share out ``v(N) − v(∅)``. Applied to a change of an outcome
caused by several factors this is the Shapley (–Shorrocks) decomposition (Shorrocks 2013); in
marketing it is the Shapley attribution of conversions to advertising touchpoints (Berman
2018). The Shapley value is the only allocation with these four properties (Shapley 1953):

* **efficiency** — the values add up to the change: ``Σ_i φ_i = v(N) − v(∅)``, with no
  residual "interaction" term left over;
* **symmetry** — two players that add the same to every coalition,
  ``v(S ∪ {i}) = v(S ∪ {j})`` for all ``S ∌ i, j``, get the same value;
* **null player** — a player that adds nothing to any coalition, ``v(S ∪ {i}) = v(S)`` for
  all S, gets 0;
* **additivity** — ``φ(v + w) = φ(v) + φ(w)`` (and ``φ(c·v) = c·φ(v)``): the attribution of
  a sum of outcomes is the sum of their attributions.

Two cheaper attributions are **one at a time**, ``v({i}) − v(∅)`` (switch i alone), and
**leave one out**, ``v(N) − v(N∖{i})`` (switch i last). They are the marginal contributions of
i in the first and the last position of an order; both add up to the change only when the game
is additive (no interactions): with substitutes (two repairs that fix the same thing) one at a
time counts the overlap twice, with complements it misses the joint part.

:func:`shapley_exact` values all ``2^n`` coalitions once each (memoised) and applies the first
formula. :func:`shapley_sampled` is the sampling estimator of Castro, Gómez & Tejada (2009):
draw m orders π_1 … π_m uniformly, take each player's marginal contribution in each order
``x_{ri} = v(P_i^{π_r} ∪ {i}) − v(P_i^{π_r})``, and estimate

.. math::

    \\hat φ_i = \\frac{1}{m} Σ_r x_{ri},  \\qquad
    \\mathrm{se}(\\hat φ_i) = s_i / \\sqrt{m},

``s_i`` the sample standard deviation of ``x_{ri}`` over the orders; ``\\hat φ_i`` is unbiased
and asymptotically normal (Castro et al. 2009). The marginal contributions along one order add
up to ``v(N) − v(∅)`` (the sum telescopes), so the estimate is efficient exactly, like the
exact value. Each order costs at most n + 1 value calls; repeated coalitions are valued once.

References
----------
Berman, R. (2018). Beyond the last touch: attribution in online advertising. *Marketing
Science*, 37(5), 771–792.†
Castro, J., Gómez, D., & Tejada, J. (2009). Polynomial calculation of the Shapley value based
on sampling. *Computers & Operations Research*, 36(5), 1726–1730.
Littlechild, S. C., & Owen, G. (1973). A simple expression for the Shapley value in a special
case. *Management Science*, 20(3), 370–372.
Shapley, L. S. (1953). A value for n-person games. In H. W. Kuhn & A. W. Tucker (Eds.),
*Contributions to the Theory of Games II* (Annals of Mathematics Studies 28, pp. 307–317).
Princeton University Press.
Shorrocks, A. F. (2013). Decomposition procedures for distributional analysis: a unified
framework based on the Shapley value. *Journal of Economic Inequality*, 11(1), 99–126.

(† volume and pages not checked against the journal.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from journey.errors import AttributionError

__all__ = ["MAX_EXACT_PLAYERS", "ShapleyResult", "leave_one_out", "one_at_a_time",
           "shapley_exact", "shapley_sampled"]

#: beyond this many players :func:`shapley_exact` refuses (2^20 ≈ 10^6 value calls)
MAX_EXACT_PLAYERS = 20

Value = Callable[[frozenset], float]


@dataclass(frozen=True)
class ShapleyResult:
    """Shapley values of a game and how they were obtained.

    Attributes
    ----------
    values
        Player → Shapley value ``φ_i``, in the order the players were given.
    standard_errors
        Player → standard error of ``φ_i``: 0 for the exact value, ``s_i/√m`` when sampled.
    total
        The change shared out, ``v(N) − v(∅)``; ``Σ_i φ_i`` equals it up to rounding.
    method
        ``"exact"`` or ``"sampled"``.
    evaluations
        Distinct coalitions valued (calls of the value function).
    n_permutations
        Orders sampled (``None`` for the exact value).
    """

    values: dict[Hashable, float]
    standard_errors: dict[Hashable, float]
    total: float
    method: Literal["exact", "sampled"]
    evaluations: int
    n_permutations: int | None = None

    def frame(self) -> pd.DataFrame:
        """One row per player: ``player``, ``shapley``, ``se``."""
        return pd.DataFrame({"player": list(self.values),
                             "shapley": list(self.values.values()),
                             "se": [self.standard_errors[p] for p in self.values]})


class _Memo:
    """The value function, called once per coalition; a non-finite value is an error."""

    def __init__(self, value: Value) -> None:
        if not callable(value):
            raise AttributionError(f"value must be a function of a coalition (frozenset),"
                                   f" got {type(value).__name__}")
        self.value = value
        self.cache: dict[frozenset, float] = {}

    def __call__(self, coalition: frozenset) -> float:
        if coalition not in self.cache:
            x = float(self.value(coalition))
            if not math.isfinite(x):
                raise AttributionError(f"value of coalition {sorted(map(str, coalition))} is"
                                       f" {x}; the game needs a finite value for every coalition")
            self.cache[coalition] = x
        return self.cache[coalition]


def _players(players: Iterable[Hashable]) -> tuple[Hashable, ...]:
    if isinstance(players, str | bytes):
        raise AttributionError("players must be a collection of player names, got one string")
    ps = tuple(players)
    if not ps:
        raise AttributionError("players: give at least one player")
    if len(set(ps)) != len(ps):
        dup = sorted({str(p) for p in ps if ps.count(p) > 1})
        raise AttributionError(f"players must be distinct; repeated: {', '.join(dup)}")
    return ps


def shapley_exact(players: Iterable[Hashable], value: Value) -> ShapleyResult:
    """Exact Shapley values over all ``2^n`` coalitions (module docstring, first formula).

    Parameters
    ----------
    players
        Distinct, hashable player names (at most :data:`MAX_EXACT_PLAYERS`).
    value
        ``v(coalition)`` for a ``frozenset`` of players; called once per coalition.

    Returns
    -------
    ShapleyResult
        ``method="exact"``, standard errors 0, ``evaluations = 2^n``.
    """
    ps = _players(players)
    n = len(ps)
    if n > MAX_EXACT_PLAYERS:
        raise AttributionError(f"players: {n} players need 2^{n} coalitions; the exact value"
                               f" takes at most {MAX_EXACT_PLAYERS}, use shapley_sampled")
    v = _Memo(value)
    masks = np.arange(1 << n)
    vals = np.array([v(frozenset(p for j, p in enumerate(ps) if m >> j & 1)) for m in masks])
    size = np.array([m.bit_count() for m in masks.tolist()])
    # weight of a coalition of size s that i joins: s! (n − s − 1)! / n!
    weight = np.array([1.0 / (n * math.comb(n - 1, s)) for s in range(n)])
    phi = {}
    for j, p in enumerate(ps):
        without = masks[(masks >> j & 1) == 0]
        phi[p] = float(np.sum(weight[size[without]] * (vals[without | 1 << j] - vals[without])))
    return ShapleyResult(phi, dict.fromkeys(ps, 0.0), float(vals[-1] - vals[0]), "exact",
                         len(v.cache))


def shapley_sampled(players: Iterable[Hashable], value: Value, n_permutations: int,
                    rng: np.random.Generator) -> ShapleyResult:
    """Shapley values estimated from ``n_permutations`` random orders (Castro et al. 2009).

    Parameters
    ----------
    players
        Distinct, hashable player names.
    value
        ``v(coalition)`` for a ``frozenset`` of players; each distinct coalition is valued once.
    n_permutations
        Orders drawn, m ≥ 2 (the standard error needs two).
    rng
        The generator the orders are drawn from (seed it from the run's seed).

    Returns
    -------
    ShapleyResult
        ``method="sampled"``: the mean marginal contribution of each player over the orders
        and its standard error ``s_i/√m``; the values add up to ``v(N) − v(∅)`` exactly.
    """
    ps = _players(players)
    if isinstance(n_permutations, bool) or not isinstance(n_permutations, int | np.integer) \
            or n_permutations < 2:
        raise AttributionError(f"n_permutations must be a whole number >= 2, got"
                               f" {n_permutations!r}")
    if not isinstance(rng, np.random.Generator):
        raise AttributionError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    v = _Memo(value)
    n, m = len(ps), int(n_permutations)
    x = np.empty((m, n))
    empty = v(frozenset())
    for r in range(m):
        before, previous = frozenset(), empty
        for j in rng.permutation(n):
            before = before | {ps[j]}
            current = v(before)
            x[r, j] = current - previous
            previous = current
    phi, se = x.mean(axis=0), x.std(axis=0, ddof=1) / math.sqrt(m)
    return ShapleyResult(dict(zip(ps, phi.tolist(), strict=True)),
                         dict(zip(ps, se.tolist(), strict=True)),
                         v(frozenset(ps)) - empty, "sampled", len(v.cache), m)


def one_at_a_time(players: Iterable[Hashable], value: Value) -> dict[Hashable, float]:
    """Each player switched alone: ``v({i}) − v(∅)``. Adds up to ``v(N) − v(∅)`` only in an
    additive game (module docstring)."""
    ps = _players(players)
    v = _Memo(value)
    return {p: v(frozenset([p])) - v(frozenset()) for p in ps}


def leave_one_out(players: Iterable[Hashable], value: Value) -> dict[Hashable, float]:
    """Each player switched last: ``v(N) − v(N∖{i})``. Adds up to ``v(N) − v(∅)`` only in an
    additive game (module docstring)."""
    ps = _players(players)
    v = _Memo(value)
    everyone = frozenset(ps)
    return {p: v(everyone) - v(everyone - {p}) for p in ps}
