"""sim/apartment"""
