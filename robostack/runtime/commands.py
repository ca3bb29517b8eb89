"""CLI commands: demo, run, eval apartment, bench sim."""
