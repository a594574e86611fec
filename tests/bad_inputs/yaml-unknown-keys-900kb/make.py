with open("many.yaml", "w") as fh:
    for i in range(40_000):
        fh.write(f"unknown_key_{i:05d}: {i}\n")
