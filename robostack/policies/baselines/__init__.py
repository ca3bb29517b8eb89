"""policies/baselines"""
