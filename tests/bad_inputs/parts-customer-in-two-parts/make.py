"""A cohort in two parts where customer 0 (with its events and panel rows) is in both."""
import pandas as pd

from journey.scenario import load_preset
from journey.simulate import simulate_chunks
from journey.tables_io import write_journeys

write_journeys(simulate_chunks(load_preset("telecom"), 2000, 3, 1, 1000), "cohort")
for table in ("customers", "events", "panel"):
    first = pd.read_parquet(f"cohort/{table}/part-00000.parquet")
    second = f"cohort/{table}/part-00001.parquet"
    pd.concat([pd.read_parquet(second), first[first["customer_id"] == 0]]).to_parquet(
        second, index=False)
