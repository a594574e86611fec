"""A cohort in two parts whose part 0 of the panel holds a customer of part 1."""
import pandas as pd

from journey.scenario import load_preset
from journey.simulate import simulate_chunks
from journey.tables_io import write_journeys

write_journeys(simulate_chunks(load_preset("telecom"), 2000, 3, 1, 1000), "cohort")
p0, p1 = "cohort/panel/part-00000.parquet", "cohort/panel/part-00001.parquet"
a, b = pd.read_parquet(p0), pd.read_parquet(p1)
moved = b["customer_id"] == b["customer_id"].iloc[0]  # customer 1000
pd.concat([a, b[moved]]).to_parquet(p0, index=False)
b[~moved].to_parquet(p1, index=False)
