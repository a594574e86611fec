"""Builds the input of this case (binary or Parquet)."""
from pathlib import Path

p = Path("flat.csv")
p.write_bytes(p.read_bytes().replace(b"12,No,basic", b"12,No,ba\x00sic"))
