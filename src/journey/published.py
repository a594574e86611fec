"""Published estimates that journey's models reproduce: one source for the tests and the
``reproductions`` study. Each value is as printed in its source (its rounding is its precision);
the data they were estimated on are in :mod:`journey.datasets`.

* :data:`SBG_FADER_HARDIE_2007` — shifted-beta-geometric fits to the Regular and High End renewal
  tables, years 1–7. Fader, P. S. & Hardie, B. G. S. (2007), "How to project customer retention",
  *Journal of Interactive Marketing* 21(1), 76–90.
* :data:`BGNBD_FADER_HARDIE_LEE_2005` — BG/NBD on the CDNOW cohort (2,357 customers, 39 weeks).
  Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "'Counting your customers' the easy way: an
  alternative to the Pareto/NBD model", *Marketing Science* 24(2), 275–284.
* :data:`GAMMAGAMMA_FADER_HARDIE_LEE_2005` — Gamma-Gamma spend model on the 946 CDNOW repeat
  buyers (``v`` is the scale γ). Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "RFM and CLV:
  using iso-value curves for customer base analysis", *Journal of Marketing Research* 42(4),
  415–430.
* :data:`ECSI_SEMINR_MOBI` — path coefficients of the ECSI model on the ``mobi`` survey (250
  respondents; Tenenhaus, Esposito Vinzi, Chatelin & Lauro 2005), PLS Mode A with path weighting,
  as estimated by the R package seminr (Ray, Danks & Calero Valdez), ``mobi`` demo.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

__all__ = [
    "BGNBD_FADER_HARDIE_LEE_2005",
    "ECSI_SEMINR_MOBI",
    "GAMMAGAMMA_FADER_HARDIE_LEE_2005",
    "SBG_FADER_HARDIE_2007",
]

# read-only views: a test or a notebook cannot change the published record by accident
SBG_FADER_HARDIE_2007: Final = MappingProxyType({
    "regular": MappingProxyType({"alpha": 0.704, "beta": 1.182, "loglik": -1680.27}),
    "high_end": MappingProxyType({"alpha": 0.668, "beta": 3.806, "loglik": -1611.16}),
})

BGNBD_FADER_HARDIE_LEE_2005: Final = MappingProxyType(
    {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "loglik": -9582.4})

GAMMAGAMMA_FADER_HARDIE_LEE_2005: Final = MappingProxyType({"p": 6.25, "q": 3.74, "v": 15.44})

ECSI_SEMINR_MOBI: Final = MappingProxyType({
    "Image -> Expectation": 0.5049,
    "Expectation -> Quality": 0.5567,
    "Quality -> Satisfaction": 0.5120,
    "Value -> Satisfaction": 0.1948,
    "Satisfaction -> Loyalty": 0.4855,
    "Satisfaction -> Complaints": 0.5281,
})
