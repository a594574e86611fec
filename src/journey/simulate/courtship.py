"""Who the prospects are and how they are courted, up to the signing decision
(``docs/model.md``, sections 3.1 and 3.2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit as _logistic

from journey.scenario import Scenario

COURTSHIP_FORMATION = 0.5  # expectation forms fast while promises are made (docs/model.md)
MAX_COURTSHIP = 12


@dataclass
class Prospects:
    """What each prospect brings: one value per prospect of the chunk."""

    court_len: np.ndarray
    sales_q: np.ndarray
    read: np.ndarray
    trait: np.ndarray  # mental-barrier multiplier
    frailty: np.ndarray  # z: multiplies the exit odds
    sensitivity: np.ndarray  # multiplies the quality shocks of service incidents
    volume: np.ndarray
    sow0: np.ndarray  # initial share of wallet
    ps: np.ndarray  # platform share of dialogue
    platform_only: np.ndarray
    own: np.ndarray  # contact data in the firm's own system
    person_q: np.ndarray  # the first service contact person's skill
    person_exp: np.ndarray  # and experience, months
    u_conv: np.ndarray


def _lognormal_mean1(rng: np.random.Generator, sd: float, n: int) -> np.ndarray:
    return np.exp(rng.normal(-0.5 * sd * sd, sd, n))


def staff_experience(p: float, e: np.ndarray) -> np.ndarray:
    """Months in post of the first contact person, ``Geometric(p) − 1`` with ``p`` =
    ``staff_turnover``: a staff member in post when staff leave at monthly rate ``p`` has
    served a geometric number of months (mean ``1/p − 1``; infinite when ``p = 0``).

    Drawn by inversion from standard exponentials ``e``: ``G = max(1, ⌈−e / log(1 − p)⌉)``,
    the inversion numpy's ``Generator.geometric`` uses for ``p < 1/3``
    (``random_geometric_inversion`` in numpy's ``distributions.c``; on numpy 2.4 the same
    numbers from the same stream, so cohorts drawn before this function existed are
    unchanged). One exponential per prospect whatever ``p``, so cohorts that differ only in
    turnover (``p = 0`` and ``p >= 1/3`` included) share every later draw: common random
    numbers across a turnover sweep.
    """
    if p <= 0:
        return np.full(len(e), np.inf)
    with np.errstate(divide="ignore"):
        g = np.maximum(np.ceil(-e / np.log1p(-p)), 1.0)
    return g - 1.0


def draw_prospects(sc: Scenario, n: int, rng: np.random.Generator) -> Prospects:
    court_len = np.clip(1 + rng.poisson(sc.courtship_months - 1.0, n), 1, MAX_COURTSHIP)
    sales_q = np.clip(rng.normal(sc.sales_quality, sc.sales_quality_sd, n), 0, 10)
    read = rng.random(n) < sc.read_share
    trait = _lognormal_mean1(rng, sc.mental_trait_sd, n)
    theta = sc.churn_heterogeneity
    frailty = rng.gamma(1.0 / theta, theta, n) if theta > 0 else np.ones(n)
    sensitivity = _lognormal_mean1(rng, sc.service_sensitivity_sd, n)
    if sc.partners:
        volume = np.exp(rng.normal(0.0, sc.partner_volume_sd, n))
        k = sc.sow_concentration
        sow0 = rng.beta(sc.sow_initial * k, (1 - sc.sow_initial) * k, n)
    else:
        volume, sow0 = np.ones(n), np.ones(n)
    if sc.platform_share > 0:
        conc = 4.0
        ps = rng.beta(sc.platform_share * conc, max(1 - sc.platform_share, 1e-6) * conc, n)
    else:
        ps = np.zeros(n)
    platform_only = rng.random(n) < ps
    captured = sc.keep_contact_data & (rng.random(n) < sc.owned_capture)
    person_q = rng.normal(sc.service_quality, sc.service_quality_sd, n)
    person_exp = staff_experience(sc.staff_turnover, rng.standard_exponential(n))
    return Prospects(court_len, sales_q, read, trait, frailty, sensitivity, volume, sow0, ps,
                     platform_only, ~platform_only | captured, person_q, person_exp,
                     rng.random(n))


@dataclass
class Courtship:
    """The courted months (``K x n``, month ``j - K``) and the state at signing."""

    K: int
    E: np.ndarray
    Q: np.ndarray
    S: np.ndarray
    R: np.ndarray
    active: np.ndarray
    contacts: np.ndarray
    e: np.ndarray  # expectation at signing (after reading the contract)
    s: np.ndarray
    r: np.ndarray
    signed: np.ndarray


def court(sc: Scenario, pr: Prospects, rng: np.random.Generator) -> Courtship:
    """Courtship: the sales treatment forms satisfaction, the promises form expectation.

    ``Q_j = sales_q + ε``; ``S`` starts at the first impression ``Q`` and then follows
    ``S_j = S_{j-1} + λ (Q_j - S_{j-1})`` (no service experienced yet, so no disconfirmation);
    expectation starts at ``prior_satisfaction`` and forms on the promised offer,
    ``E_j = E_{j-1} + ½ (min(Q_j + π, 10) - E_{j-1})``; the bond grows with each month of
    contacts. At signing a reader's expectation loses ``read_temper · π``; the
    prospect signs with ``logistic(c0 + c1 ((S + E)/2 - 7))``.
    """
    n = len(pr.sales_q)
    K = int(pr.court_len.max())
    noise = rng.standard_normal((K, n), dtype=np.float32) * np.float32(sc.month_noise_sd)
    E, Q, S, R = np.empty((4, K, n))
    active = np.arange(K)[:, None] >= K - pr.court_len  # the prospect is being courted
    contacts = np.zeros((K, n), np.uint8)  # sales contacts, drawn for courted months only
    contacts[active] = np.minimum(rng.poisson(sc.courtship_contacts, int(active.sum())), 255)
    e = np.full(n, sc.prior_satisfaction)
    s = np.full(n, sc.prior_satisfaction)
    r = np.zeros(n)
    lam = sc.satisfaction_lambda
    for j in range(K):
        q = np.clip(pr.sales_q + noise[j], 0, 10)
        first = active[j] & (j == K - pr.court_len)  # the first impression sets S
        s = np.where(first, q, np.where(active[j], s + lam * (q - s), s))
        r = np.where(active[j] & (contacts[j] > 0), r + sc.bond_growth * (1 - r), r)
        E[j], Q[j], S[j], R[j] = e, q, s, r
        e = np.where(active[j], e + COURTSHIP_FORMATION * (np.minimum(q + sc.promise_inflation, 10)
                                                             - e), e)
    e = np.clip(e - pr.read * sc.read_temper * sc.promise_inflation, 0, 10)
    value = 0.5 * (s + e)
    signed = pr.u_conv < _logistic(sc.conversion_logit + sc.conversion_slope * (value - 7.0))
    return Courtship(K, E, Q, S, R, active, contacts, e, s, r, signed)
