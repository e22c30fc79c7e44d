"""Exceptions that the CLI turns into one-line messages and a non-zero exit code."""


class NcodecError(Exception):
    """Base class for every error a user can cause (bad input, missing model, ...)."""


class InputError(NcodecError):
    """An input file or argument is missing, unreadable or unsupported."""


class FormatError(NcodecError):
    """A compressed file is truncated, corrupted, foreign or of an unsupported version."""


class ModelNotFoundError(NcodecError):
    """A model name or weights hash is not installed."""


class OutputExistsError(NcodecError):
    """The output file exists and --force was not given."""


class ResourceError(NcodecError):
    """A file asks for more than the decoder allows or the machine has (pixels, memory)."""
