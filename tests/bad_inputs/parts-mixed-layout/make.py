"""A cohort whose customers are one file while events and panel are folders of parts."""
import shutil

from journey.scenario import load_preset
from journey.simulate import simulate_chunks
from journey.tables_io import read_table, write_journeys

write_journeys(simulate_chunks(load_preset("telecom"), 2000, 3, 1, 1000), "cohort")
read_table("cohort/customers").to_parquet("cohort/customers.parquet", index=False)
shutil.rmtree("cohort/customers")
