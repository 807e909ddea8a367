"""How much CPU other processes took while the benchmark measured.

On a small shared machine, another job's CPU is taken from the servers being measured;
this share, reported with every result, says how far a number can be trusted.
"""

import os
from pathlib import Path


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


def tree_ticks(root: int) -> int:
    """CPU clock ticks used so far by ``root`` and every process under it."""
    children: dict[int, list[int]] = {}
    used: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process has just exited
            continue
        fields = text[text.rindex(")") + 2 :].split()  # after "pid (command) "
        pid, parent = int(stat.parent.name), int(fields[1])
        children.setdefault(parent, []).append(pid)
        used[pid] = int(fields[11]) + int(fields[12])  # utime + stime
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        total += used.get(pid, 0)
        pending.extend(children.get(pid, []))
    return total


class OthersCpu:
    """``with OthersCpu() as others:`` ... then ``others.share``: the fraction of the machine's
    CPU time that processes outside this one's tree used in between."""

    share: float = 0.0

    def __enter__(self) -> "OthersCpu":
        self._machine, self._ours = _machine_ticks(), tree_ticks(os.getpid())
        return self

    def __exit__(self, *exc_info) -> None:
        (busy_then, total_then), (busy, total) = self._machine, _machine_ticks()
        ours = tree_ticks(os.getpid()) - self._ours
        self.share = max(0, busy - busy_then - ours) / max(1, total - total_then)
