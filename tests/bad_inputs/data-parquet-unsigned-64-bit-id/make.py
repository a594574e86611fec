"""Builds the input of this case: the tables as Parquet, an unsigned 64-bit customer id."""
import numpy as np
from corpus_tools import tables_to_parquet


def change(name, df):
    if name == "customers":
        df["customer_id"] = np.array([2**64 - 1, 2, 3], dtype="uint64")
    return df


tables_to_parquet(change)
