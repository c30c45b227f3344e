"""Progress of the two passes over the file (hashing, then sending), shown with rich when it is
installed and the output is a terminal, or reported to a function of the caller's."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

# A caller's own report: (phase, bytes done, bytes in all); phase is "hashing" or "uploading".
ProgressCallback = Callable[[str, int, int], None]
ProgressOption = bool | ProgressCallback | None


class Progress:
    """`start(phase, total)`, then `advance(n)` or `set(done)`, then `stop()`."""

    def __init__(self, option: ProgressOption, label: str) -> None:
        self.callback: ProgressCallback | None = option if callable(option) else None
        self.label = label
        self.phase = ""
        self.done = 0
        self.total = 0
        self._bar: Any = None
        self._task: Any = None
        if option is True and sys.stderr.isatty():
            self._bar = _rich_bar()

    def start(self, phase: str, total: int) -> None:
        self.phase, self.done, self.total = phase, 0, total
        if self._bar is not None:
            if self._task is not None:
                self._bar.remove_task(self._task)
            else:
                self._bar.start()
            self._task = self._bar.add_task(f"{phase} {self.label}", total=total)
        self._report()

    def advance(self, count: int) -> None:
        self.set(self.done + count)

    def set(self, done: int) -> None:
        self.done = min(done, self.total) if self.total else done
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=self.done)
        self._report()

    def _report(self) -> None:
        if self.callback is not None:
            self.callback(self.phase, self.done, self.total)

    def stop(self) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.stop()
            self._task = None


def _rich_bar() -> Any:
    try:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.progress import (
            Progress as RichProgress,
        )
    except ImportError:
        return None
    return RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )
