"""An optional compiled extension that can be switched off: the one pattern every C kernel uses.

Each compiled part of ncodec (`setup.py` builds them, all optional) computes exactly what a
Python reference computes, only faster; where the extension was not built, or an environment
variable switches it off, the reference runs and gives the same output. This class holds that
choice, so every kernel module states it the same way (and `ncodec --version` reports it).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType


class OptionalKernels:
    """A compiled module (or None where it was not built) and whether it is switched off."""

    def __init__(
        self,
        module: ModuleType | None,
        disable_variable: str,
        fallback: str,
        detail: Callable[[ModuleType], str] | None = None,
    ) -> None:
        """`disable_variable`: set to 1 to run the reference; `fallback`: what runs without
        the module (for `describe`); `detail`: a note on the built module (e.g. its ISA)."""
        self._module = module
        self.disable_variable = disable_variable
        self._fallback = fallback
        self._detail = detail
        self._disabled = os.environ.get(disable_variable) == "1"

    def compiled(self) -> ModuleType | None:
        """The kernel module, or None if it is not built or switched off."""
        return None if self._disabled else self._module

    def built(self) -> bool:
        """Whether the kernels were built (whether or not they are switched off)."""
        return self._module is not None

    def describe(self) -> str:
        """One line for `ncodec --version`: which code runs here."""
        if self._module is None:
            return f"not built ({self._fallback})"
        if self._disabled:
            return f"built, switched off by {self.disable_variable}=1"
        return f"compiled ({self._detail(self._module)})" if self._detail else "compiled"

    @contextmanager
    def reference_only(self) -> Iterator[None]:
        """Run the reference inside."""
        previous, self._disabled = self._disabled, True
        try:
            yield
        finally:
            self._disabled = previous
