"""Giving the memory of a read file back to the system.

glibc's malloc keeps the memory a read page freed (its arrays are many megabytes) for the
next allocations instead of returning it: a worker child that has read a page of a photo or
a PDF of many pages stays tens of megabytes larger than it needs, page after page, until
``--max-memory-per-child`` replaces it. ``malloc_trim(0)`` hands the free memory back.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable

__all__ = ["give_back_memory"]


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None)
    except OSError:
        return None


def give_back_memory() -> bool:
    """Return the heap's free memory to the system (glibc); False where there is no
    ``malloc_trim`` (musl, macOS): nothing is done there."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
