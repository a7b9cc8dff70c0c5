"""Run one measurement per process, so each size's peak memory (max RSS) is its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak MiB (max RSS) of one whole process, timed from outside."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(command)} failed with exit code {os.waitstatus_to_exitcode(status)}")
    return seconds, usage.ru_maxrss / 1024


def in_own_process(script: str, size: int) -> dict:
    """Run ``script --one SIZE`` and read the JSON line it prints last."""
    done = subprocess.run([sys.executable, script, "--one", str(size)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def serve_or_run(one: int | None, measure: Callable[[int], dict]) -> bool:
    """In a child (``--one N``): print the measurement as JSON and return True."""
    if one:
        print(json.dumps(measure(one)))
        return True
    return False
