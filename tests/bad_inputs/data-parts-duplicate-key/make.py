"""Builds the input of this case (binary or Parquet)."""
from pathlib import Path

t = Path("tables")
(t / "customers").mkdir()
lines = (t / "customers.csv").read_text().splitlines()
(t / "customers.csv").unlink()
(t / "customers" / "part-00000.csv").write_text("\n".join(lines[:3]) + "\n")
(t / "customers" / "part-00001.csv").write_text(lines[0] + "\n" + lines[2] + "\n" + lines[3] + "\n")
