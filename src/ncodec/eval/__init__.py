"""Evaluation harness: real-file rate, distortion and speed vs classical codecs."""
