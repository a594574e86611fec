"""The study runner: parameterised notebooks → reproducible, cached, indexed reports.

Inside a study notebook::

    from journey.study import check_parameters, record_metric, save_figure
    p = check_parameters(globals())          # same strict model as `journey run`
    record_metric("churn_12m", 0.18)         # → metrics.json of the run
    save_figure(fig, "satisfaction")         # → figures/satisfaction.png, shown inline

From Python: :func:`journey.study.runner.run_study`, :func:`journey.study.sweep.run_sweep`,
:func:`journey.study.index.build_index`.
"""

from journey.study.params import check_parameters
from journey.study.record import record_metric, recorded_metrics, save_figure

__all__ = ["check_parameters", "record_metric", "recorded_metrics", "save_figure"]
