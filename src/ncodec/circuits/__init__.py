"""Probabilistic circuits for lossless coding of small images (Hidden Chow-Liu Trees).

Layers inside the package: `structure` (Chow-Liu tree over pixels), `hclt` (the float circuit:
exact log-likelihood by levels), `em` (mini-batch EM), `augment` (warped training copies),
`fixed` (integer tables and the exact conditionals in coding order), `coder` (ANS streams of
many images), `digits` (digit files and input checks), `codec` (the registered `pc` architecture).
"""
