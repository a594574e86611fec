"""Builds the input of this case (binary or Parquet)."""
from pathlib import Path

import numpy as np
import pandas as pd


def change(name, df):
    if name == "customers":
        df["customer_id"] = np.array([2**64 - 1, 2, 3], dtype="uint64")
    return df


for name in ("customers", "events", "panel"):
    src = Path("tables") / f"{name}.csv"
    df = pd.read_csv(src, keep_default_na=False, na_values=[""])
    src.unlink()
    df = change(name, df)
    df.to_parquet(Path("tables") / f"{name}.parquet", index=False)
