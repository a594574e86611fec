open("grid.yaml", "wb").write(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 64)
