"""CLI commands for ViNT: train vint, eval nav-imagegoal."""
