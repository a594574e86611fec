open("scenario.yaml", "w").write("read_share: '" + "9" * 900_000 + "'\n")
