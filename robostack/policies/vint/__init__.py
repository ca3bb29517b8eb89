"""ViNT: the Visual Navigation Transformer (goal-conditioned visual navigation)."""
