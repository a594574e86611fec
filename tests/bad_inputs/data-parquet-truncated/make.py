"""Builds the input of this case (binary or Parquet)."""
from pathlib import Path

import pandas as pd


def change(name, df):
    return df


for name in ("customers", "events", "panel"):
    src = Path("tables") / f"{name}.csv"
    df = pd.read_csv(src, keep_default_na=False, na_values=[""])
    src.unlink()
    df = change(name, df)
    df.to_parquet(Path("tables") / f"{name}.parquet", index=False)

p = Path("tables/panel.parquet")
p.write_bytes(p.read_bytes()[:40])
