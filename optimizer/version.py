"""The version of ltvcac, as installed (or the source tree's when it is not installed)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ltvcac")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.1.0+source"
