"""Builds the input of this case (binary or Parquet)."""
from pathlib import Path

p = Path("flat.csv")
p.write_text(p.read_text().replace("2,12,No", "2,12," + "x" * 100_000))
