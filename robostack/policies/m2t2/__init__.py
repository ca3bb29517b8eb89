"""M2T2 (Yuan et al., CoRL 2023): point-cloud pick-and-place transformer, pure PyTorch for the CPU."""
