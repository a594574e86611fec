import random

random.seed(1)
open("params.yaml", "wb").write(bytes(random.randrange(256) for _ in range(4096)))
