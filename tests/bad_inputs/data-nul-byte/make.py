"""Builds the input of this case (binary or Parquet)."""
from pathlib import Path

p = Path("tables/customers.csv")
p.write_bytes(p.read_bytes().replace(b"2,Retail", b"2,Ret\x00ail"))
