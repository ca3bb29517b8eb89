"""Videos, plots, rerun recordings and reports."""
