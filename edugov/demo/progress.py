"""Progress of a demo build: a tqdm bar on a terminal, plain lines in logs, or nothing."""

from __future__ import annotations

import shutil
import time
from typing import Protocol, TextIO

from tqdm import tqdm


class Stage(Protocol):
    def advance(self, n: int = 1) -> None: ...

    def close(self) -> None: ...


class Progress(Protocol):
    def stage(self, label: str, total: int, unit: str = "") -> Stage: ...

    def note(self, message: str) -> None: ...


class _SilentStage:
    def advance(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class SilentProgress:
    def stage(self, label: str, total: int, unit: str = "") -> Stage:
        return _SilentStage()

    def note(self, message: str) -> None:
        pass


class _LineStage:
    """Logs a stage's start and end, and a line at every further tenth of the way."""

    def __init__(self, stream: TextIO, label: str, total: int, unit: str) -> None:
        self.stream, self.label, self.total, self.unit = stream, label, total, unit
        self.done = 0
        self.next_report = total / 10
        self.started = time.monotonic()
        self.stream.write(f"{label}：共 {total:,} {unit}\n")

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.total and self.done >= self.next_report and self.done < self.total:
            self.stream.write(f"  {self.label} {self.done * 100 // self.total}%\n")
            self.next_report += self.total / 10

    def close(self) -> None:
        seconds = time.monotonic() - self.started
        self.stream.write(f"{self.label}：完成（{seconds:.1f} 秒）\n")


class LineProgress:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def stage(self, label: str, total: int, unit: str = "") -> Stage:
        return _LineStage(self.stream, label, total, unit)

    def note(self, message: str) -> None:
        self.stream.write(message + "\n")


class _BarStage:
    def __init__(self, bar: tqdm) -> None:  # type: ignore[type-arg]
        self.bar = bar

    def advance(self, n: int = 1) -> None:
        self.bar.update(n)

    def close(self) -> None:
        self.bar.close()


class BarProgress:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def stage(self, label: str, total: int, unit: str = "") -> Stage:
        # A terminal that reports no size (some ptys) would hide the bar: tqdm shows only
        # as many bars as it thinks there are rows.
        size = shutil.get_terminal_size()
        return _BarStage(tqdm(total=total, desc=label, unit=unit, file=self.stream,
                              unit_scale=True, ncols=min(size.columns, 100), nrows=size.lines))

    def note(self, message: str) -> None:
        tqdm.write(message, file=self.stream)


def progress_for(stream: TextIO, *, verbosity: int = 1) -> Progress:
    """A bar when ``stream`` is a terminal, log lines otherwise, silence at verbosity 0."""
    if verbosity <= 0:
        return SilentProgress()
    if stream.isatty():
        return BarProgress(stream)
    return LineProgress(stream)
