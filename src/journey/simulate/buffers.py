"""Arrays reused from chunk to chunk."""

from __future__ import annotations

import numpy as np


class Buffers:
    """Arrays reused from chunk to chunk: fresh large arrays cost a page fault per 4 KiB."""

    def __init__(self) -> None:
        self._store: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: type = np.float64,
            fill: object = None) -> np.ndarray:
        size = int(np.prod(shape))
        buf = self._store.get(name)
        if buf is None or buf.size < size or buf.dtype != np.dtype(dtype):
            buf = self._store[name] = np.empty(size, dtype)
        out = buf[:size].reshape(shape)
        if fill is not None:
            out.fill(fill)
        return out
