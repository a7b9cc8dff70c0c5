"""Run one measurement per process, so each size's peak memory (max RSS) is its own."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable


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
