"""Entry point: the GUI by default, headless sub-commands for scripting (never importing Qt)."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="programmer",
        description="Clinician-programmer emulator for implanted intrathecal pumps. "
        "Training only — not for clinical use.",
    )
    parser.add_subparsers(dest="command")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
