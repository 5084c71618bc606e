"""A save killed at any moment leaves the old memory or the new one, never a torn file.

A writer process saves two states alternately as fast as it can; the test SIGKILLs it
at a random moment, loads the pump, and starts the next writer: 40 kills. A fresh
interpreter costs about 0.2 s to import the package, so the writers are forked from
one helper subprocess that imported it once (a fork server); each writer is still a
separate process killed mid-work by SIGKILL, with no chance to clean up.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import timedelta

import pytest

from programmer.pump.demo import DEMO_CLOCK, demo_pump
from programmer.pump.memory import Event, EventKind, PumpMemory
from programmer.pump.pumpfile import dumps_pump, load_pump, save_pump, temp_files

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL (POSIX)")

KILLS = 40

# Reads "go <first state>" lines; for each, forks a writer and reports its pid, then reaps it once killed.
FORK_SERVER = """
import os, sys
from pathlib import Path
from programmer.pump.pumpfile import loads_pump, save_pump
path = Path(sys.argv[1])
states = [loads_pump(Path(name).read_text(encoding="utf-8")) for name in sys.argv[2:4]]
for line in sys.stdin:
    turn = int(line.split()[1])
    pid = os.fork()
    if pid == 0:
        try:
            save_pump(path, states[turn % 2])
            os.write(1, b"ready\\n")
            while True:
                turn += 1
                save_pump(path, states[turn % 2])
        except BaseException as error:
            os.write(1, f"error {error!r}\\n".encode())
        finally:
            os._exit(1)
    print(f"pid {pid}", flush=True)
    os.waitpid(pid, 0)
    print("reaped", flush=True)
"""


def two_states() -> tuple[PumpMemory, PumpMemory]:
    """Two memories of clearly different size, so half of one and half of the other cannot pass for either."""
    small = demo_pump(DEMO_CLOCK)
    later = demo_pump(DEMO_CLOCK + timedelta(days=3))
    extra = tuple(
        Event(DEMO_CLOCK + timedelta(minutes=minute), EventKind.BOLUS, f"Patient bolus {minute} (PTM)")
        for minute in range(300)
    )
    return small, replace(later, events=later.events + extra)


def start_writer(server: subprocess.Popen, first_state: int) -> int:
    """Fork a writer; return its pid once it has completed its first save and is saving in a loop."""
    server.stdin.write(f"go {first_state}\n")
    server.stdin.flush()
    pid, ready = None, False
    while pid is None or not ready:
        line = server.stdout.readline()
        assert line.startswith(("pid ", "ready")), f"writer failed: {line!r}"
        if line.startswith("pid "):
            pid = int(line.split()[1])
        else:
            ready = True
    return pid


def test_killing_the_writer_at_random_moments_never_tears_the_file(tmp_path):
    states = two_states()
    path = tmp_path / "pump.json"
    state_files = []
    for index, state in enumerate(states):
        state_file = tmp_path / f"state{index}.txt"
        state_file.write_text(dumps_pump(state), encoding="utf-8")
        state_files.append(state_file)
    save_pump(path, states[0])
    rng = random.Random(20261121)
    seen = []
    with subprocess.Popen(
        [sys.executable, "-c", FORK_SERVER, str(path), *map(str, state_files)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            for _ in range(KILLS):
                pid = start_writer(server, first_state=rng.randrange(2))
                # A random moment within the writer's next few saves.
                time.sleep(rng.uniform(0.0, 0.03))
                os.kill(pid, signal.SIGKILL)
                assert server.stdout.readline() == "reaped\n"

                memory = load_pump(path)
                assert memory in states
                seen.append(states.index(memory))
                # A kill mid-save leaves a hidden temp file: never the pump, and cleared by the next save.
                leftovers = set(tmp_path.iterdir()) - {path, *state_files}
                assert leftovers == set(temp_files(path))
                assert all(p.name.startswith(".pump.json.") and p.suffix == ".tmp" for p in leftovers)
        finally:
            server.stdin.close()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    assert len(seen) == KILLS
    # Both states turn up: the writers really were saving, and were killed at different moments.
    assert set(seen) == {0, 1}
