"""Hierarchical grounding for Cleanup World (Arumugam et al., RSS 2017): command → (level, task).

``features`` turns text into tokens and trajectory tokens, ``models`` holds the paper's models
(IBM Model 2, Multi-NN, Multi-RNN, Single-RNN) and ours, ``train`` runs k-fold evaluation and
training, ``predictor`` loads the committed weights for ``robostack ground``.
"""
