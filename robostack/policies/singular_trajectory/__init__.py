"""policies/singular_trajectory"""
