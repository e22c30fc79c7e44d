"""`lossless-photo`: a learned lossless codec for 8-bit RGB and grayscale photos.

A multiscale polyphase coder: the image is split into 2x2 phases, the first phase is coded
recursively, the other three (and each channel) are predicted in one vectorized pass from
everything decoded so far, by integer linear predictors the encoder fits to the image and sends;
each residual is coded under an integer table chosen per activity context. See
docs/lossless_photos.md.
"""
