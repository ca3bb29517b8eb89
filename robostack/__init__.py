"""robostack: a modular robotics stack."""

__version__ = "0.1.0"
