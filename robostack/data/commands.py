"""CLI commands for datasets: data collect ..."""
