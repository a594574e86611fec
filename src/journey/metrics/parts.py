"""The metric suite on a cohort written in parts, one part in memory at a time.

``journey simulate --chunk-size K`` writes each table as a folder of parts,
``DIR/<table>/part-NNNNN.<fmt>``, part k of every table from chunk k (the layout and its
checks: :mod:`journey.parts_io`). :func:`summarize_parts` reads the three tables of one part,
reads every metric group's partial sums and counts from it (:mod:`journey.metrics.suite`)
and adds them to those of the parts before; the metrics are finished from the totals. Peak
memory is that of one part, whatever the number of parts.

The values equal :func:`journey.metrics.summarize` on the whole cohort read into memory:
counts exactly, means to the last bits of the floating-point sums (the additions run in
another order). A metric that needs the whole cohort at once (the loyal core's top share of
volume) is skipped with the reason when there is more than one part. A folder with one file
per table is one part.
"""

from __future__ import annotations

from pathlib import Path

from journey.metrics.suite import Options, Partials, SummaryReport, add, partials, report
from journey.metrics.value import Economics
from journey.parts_io import iter_parts

__all__ = ["summarize_parts"]


def summarize_parts(folder: str | Path, k: int = 6, economics: Economics | None = None,
                    s_threshold: float = 7.0, hostage_month: int = 12) -> SummaryReport:
    """:func:`journey.metrics.summarize` of the cohort in ``folder``, read one part at a time.

    The partial sums of every metric group are added over the parts and the metrics finished
    from the totals (module docstring). ``SummaryReport.parts`` says how many parts were read
    and ``prospects`` how many rows ``customers`` holds.
    """
    opt = Options(k, economics, s_threshold, hostage_month)
    total: Partials | None = None
    parts = prospects = 0
    for j in iter_parts(folder):
        p = partials(j, opt)
        total = p if total is None else add(total, p)
        parts += 1
        prospects += len(j.customers)
    assert total is not None  # a layout has at least one part
    rep = report(total, opt)
    rep.parts, rep.prospects = parts, prospects
    return rep
