"""CPU time and memory of the processes in a benchmark, read from Linux's /proc."""

from __future__ import annotations

import os
from pathlib import Path

_TICK_S = 1 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.01


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` (0 for a process that is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * _TICK_S  # utime, stime in clock ticks


def children(pid: int) -> list[int]:
    """The direct children of `pid` (the serving processes of a pre-fork master)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return sorted(found)


def memory_mb(pid: int) -> tuple[float, float, float]:
    """RSS, PSS and USS of `pid` in MB.

    RSS counts every page mapped, shared or not; PSS splits each shared
    (copy-on-write) page among its sharers, so PSS sums across processes; USS
    counts only the pages no other process maps.
    """
    rss = pss = uss = 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
            elif line.startswith(("Private_Clean:", "Private_Dirty:")):
                uss += int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss, pss, uss


class CpuMeter:
    """CPU seconds of named groups of processes between `start()` and `read()`."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self._groups = groups
        self._start = self._now()

    def _now(self) -> dict[str, float]:
        return {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in self._groups.items()}

    def add(self, name: str, pids: list[int]) -> None:
        """Processes that appeared mid-run (a new pool connection): counted from their start."""
        known = set(self._groups.get(name, []))
        self._groups[name] = sorted(known | set(pids))

    def read(self) -> dict[str, float]:
        end = self._now()
        return {name: end[name] - self._start.get(name, 0.0) for name in end}
