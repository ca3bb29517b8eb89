"""Planning: grid search, topological graphs, subgoal selection, Select2Plan."""
