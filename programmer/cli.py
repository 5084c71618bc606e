"""Entry point: the GUI by default, headless `pump` sub-commands for scripting.

The headless commands never import Qt: the GUI module is imported only when the
window is wanted, so `programmer pump show` stays fast and runs without a display.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from programmer import TRAINING_BANNER
from programmer.pump.firmware import ProgramRejected
from programmer.pump.pumpfile import PumpFileError
from programmer.pump_commands import add_pump_commands
from programmer.resources import ResourceError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="programmer",
        description=f"Clinician-programmer emulator for implanted intrathecal pumps. {TRAINING_BANNER}.",
    )
    parser.add_argument("--pump", type=Path, metavar="PUMPFILE", help="open this pump file instead of the demo pump")
    parser.add_argument(
        "--screenshot", type=Path, metavar="FILE", help="render the window after interrogation to a PNG and exit"
    )
    parser.add_argument(
        "--screenshot-tab",
        choices=("status", "prescription", "schedule", "review", "boluses", "log"),
        default="status",
        help="which screen --screenshot renders (default: status)",
    )
    add_pump_commands(parser.add_subparsers(dest="command", metavar="COMMAND"))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from programmer.ui.app import run  # Qt only when the window is wanted

        return run(args.pump, args.screenshot, screenshot_tab=args.screenshot_tab)
    try:
        print(args.run(args))
    except ProgramRejected as error:
        print(f"programmer: refused: {'; '.join(error.reasons)}", file=sys.stderr)
        return 1
    except (PumpFileError, ResourceError, ValueError, KeyError, OSError) as error:
        # One line a user can act on; UnitError, ScheduleError and RefillError are ValueErrors.
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"programmer: error: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
