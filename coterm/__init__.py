"""coterm: record terminal sessions and validate risky commands before they run."""

__version__ = "0.1.0"
