"""Helpers for the corpus cases' ``make.py`` scripts (on their path when they run)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd


def tables_to_parquet(change: Callable[[str, pd.DataFrame], pd.DataFrame] | None = None,
                      folder: str = "tables") -> None:
    """Turn the case's ``customers/events/panel.csv`` into Parquet files, after ``change``."""
    for name in ("customers", "events", "panel"):
        src = Path(folder) / f"{name}.csv"
        df = pd.read_csv(src, keep_default_na=False, na_values=[""])
        src.unlink()
        if change is not None:
            df = change(name, df)
        df.to_parquet(Path(folder) / f"{name}.parquet", index=False)
