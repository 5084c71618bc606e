"""Drugs, units, doses, schedules, boluses and the reservoir projection: pure math, no Qt, no I/O."""
