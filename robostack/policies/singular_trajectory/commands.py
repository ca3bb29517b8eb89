"""CLI commands for SingularTrajectory."""
