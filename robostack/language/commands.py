"""CLI commands for the instruction parser."""
