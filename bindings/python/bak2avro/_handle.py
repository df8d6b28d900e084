"""The one base of the binding's handle classes (Source, SplitPlan,
Container): close() once, a context manager, and a close at garbage
collection that never raises. Subclasses implement close()."""
from __future__ import annotations

from typing import Any, TypeVar

H = TypeVar("H", bound="Handle")


class Handle:
    def close(self) -> None:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def __enter__(self: H) -> H:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # an interpreter shutting down may have torn down ctypes already
            pass
