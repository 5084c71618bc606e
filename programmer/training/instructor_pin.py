"""The instructor's PIN: set on first use, stored only as a salted hash, asked before the instructor panel,
the answer keys, the records and the class settings open.

A trainee at the same station must not reach what the instructor sees. The PIN is not a password of a
clinical system: it keeps honest trainees out of the answer keys, so a short PIN and a pause after a few
wrong tries are enough. No Qt here: the window and the command line share it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import secrets
import tempfile
import time
from pathlib import Path

from programmer.errors import ProgrammerError
from programmer.session import workspace

PIN_FILE = "instructor_pin.json"
FORMAT = "instructor-pin/1"
DIGITS = (4, 8)  # a PIN of 4 to 8 digits
ITERATIONS = 200_000  # PBKDF2-SHA256: about a tenth of a second per try on a classroom PC
TRIES_BEFORE_PAUSE = 5
PAUSE_S = 30.0


class PinError(ProgrammerError):
    """A PIN refused: wrong, malformed, or asked again too soon after wrong tries."""


def _digest(pin: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, iterations)


def pin_problem(pin: str) -> str | None:
    """Why `pin` cannot be an instructor PIN, or None."""
    low, high = DIGITS
    if not (pin.isascii() and pin.isdigit() and low <= len(pin) <= high):
        return f"the PIN must be {low} to {high} digits"
    return None


class InstructorPin:
    """The station's instructor PIN, in `folder` (the user data folder by default)."""

    def __init__(self, folder: Path | None = None, clock=time.monotonic) -> None:
        self.path = (folder or workspace.data_dir()) / PIN_FILE
        self._clock = clock
        self._wrong = 0
        self._paused_until = 0.0

    @property
    def is_set(self) -> bool:
        return self._stored() is not None

    def set(self, pin: str, repeated: str, current: str | None = None) -> None:
        """Set the PIN (first use), or change it when `current` is the PIN now. Typed twice, as a PIN is."""
        if self.is_set:
            self.check(current or "")
        if (problem := pin_problem(pin)) is not None:
            raise PinError(problem)
        if pin != repeated:
            raise PinError("the two PINs differ: type the same PIN twice")
        salt = secrets.token_bytes(16)
        record = {"format": FORMAT, "iterations": ITERATIONS, "salt": salt.hex(),
                  "hash": _digest(pin, salt, ITERATIONS).hex()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temp = tempfile.mkstemp(prefix=".pin-", dir=self.path.parent)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump(record, file)
            os.chmod(temp, 0o600)
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def check(self, pin: str) -> None:
        """Return when `pin` is the instructor's; PinError otherwise (and a pause after repeated wrong tries)."""
        stored = self._stored()
        if stored is None:
            raise PinError("no instructor PIN is set yet: set one first")
        now = self._clock()
        if now < self._paused_until:
            raise PinError(f"too many wrong PINs: try again in {math.ceil(self._paused_until - now)} s")
        salt, expected, iterations = stored
        if hmac.compare_digest(_digest(pin, salt, iterations), expected):
            self._wrong = 0
            return
        self._wrong += 1
        if self._wrong >= TRIES_BEFORE_PAUSE:
            self._wrong, self._paused_until = 0, now + PAUSE_S
            raise PinError(f"wrong PIN, {TRIES_BEFORE_PAUSE} times: try again in {int(PAUSE_S)} s")
        raise PinError("wrong PIN")

    def _stored(self) -> tuple[bytes, bytes, int] | None:
        """The salt, hash and iterations on disk; None when no PIN was set. A damaged file is refused, never
        taken as "no PIN" (that would open the panel): deleting it is the one way to reset."""
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
            if record["format"] != FORMAT:
                raise ValueError(f"format {record['format']!r}")
            return bytes.fromhex(record["salt"]), bytes.fromhex(record["hash"]), int(record["iterations"])
        except FileNotFoundError:
            return None
        except (OSError, KeyError, TypeError, ValueError) as error:
            raise PinError(f"{self.path}: the instructor PIN cannot be read ({error}); delete it to reset it") from None
