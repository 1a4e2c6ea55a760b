"""worldcafe-harvest: world-café table notes -> cleaned notes -> themes per question -> PDF report."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("worldcafe-harvest")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"
