"""CLI commands for the simulated worlds: bench sim."""
