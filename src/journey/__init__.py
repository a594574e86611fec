"""journey: customer-journey breakdown, from courtship to exit, as tables, metrics, models and
reproducible studies."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("journey")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

__all__ = ["__version__"]
