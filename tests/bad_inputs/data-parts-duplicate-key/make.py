"""Builds the input of this case (binary or Parquet)."""
from pathlib import Path

t = Path("tables")
(t / "customers").mkdir()
lines = (t / "customers.csv").read_text().splitlines()
(t / "customers.csv").unlink()
(t / "customers" / "part-00000.csv").write_text("\n".join(lines[:3]) + "\n")
(t / "customers" / "part-00001.csv").write_text(lines[0] + "\n" + lines[2] + "\n" + lines[3] + "\n")
first = {line.split(",")[0] for line in lines[1:3]}  # customer ids of part 0
for name in ("events", "panel"):  # the other tables as parts too, aligned with customers
    (t / name).mkdir()
    head, *rows = (t / f"{name}.csv").read_text().splitlines()
    (t / f"{name}.csv").unlink()
    for k, keep in enumerate((True, False)):
        part = [r for r in rows if (r.split(",")[0] in first) == keep]
        (t / name / f"part-0000{k}.csv").write_text("\n".join([head, *part]) + "\n")
