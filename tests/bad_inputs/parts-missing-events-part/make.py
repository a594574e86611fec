"""A cohort in two parts whose events lack part 1."""
import os

from journey.scenario import load_preset
from journey.simulate import simulate_chunks
from journey.tables_io import write_journeys

write_journeys(simulate_chunks(load_preset("telecom"), 2000, 3, 1, 1000), "cohort")
os.remove("cohort/events/part-00001.parquet")
