"""A small simulated cohort to calibrate to."""
from journey.scenario import load_preset
from journey.simulate import simulate
from journey.tables_io import write_journeys

write_journeys(simulate(load_preset("telecom"), 600, 12, seed=1), "data")
