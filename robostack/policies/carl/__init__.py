"""CaRL: PPO driving with the simple route-completion reward (Jaeger et al., CoRL 2025).

`model` holds the Roach-style encoder and Beta policy, `ppo` the loss and GAE, `train` the DD-PPO
loop (one process or many under ``torchrun``), `policy` the saved artefact `robostack eval` loads.
"""
