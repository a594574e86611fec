with open("huge.yaml", "w") as fh:
    for i in range(2_000_000):
        fh.write(f"unknown_key_{i:07d}: {i}\n")
