"""Training: scenarios with a patient, planted faults, critical and scored actions, and a debrief (no Qt).

A scenario (resources/scenarios/<id>/scenario.toml) is data; an Attempt plays it on a
ClinicianProgrammer by listening to its events, records everything with wall and pump time,
and a Debrief is rebuilt from that recording alone. Records keep every attempt in SQLite.
"""
