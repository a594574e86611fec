"""Builds the input of this case (binary or Parquet)."""
from pathlib import Path

p = Path("tables/customers.csv")
p.write_bytes(p.read_bytes().replace(b"3,Business", b"3,Bus\xefness"))
