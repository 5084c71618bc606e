"""The refill, step by step, without Qt: label, port, empty, fill, dose, review and program, finish.

- `steps`: the steps, their statuses and outcomes, the two ports, and the refusals.
- `syringe`: the syringe the pharmacy sent (its label, the checks on it) and where its needle may go.
- `dose`: the daily dose re-shown for a new concentration, kept or changed.
- `bridge`: the bridge bolus that pushes the old fluid through after a concentration change.
- `review`: the refill's review (old and new side by side) and what the pump's log keeps with it.
- `records`: the refill's record for the report, and how a refill reads (bolus, program, pump state).
- `workflow`: `RefillWorkflow`, the rules between the steps; nothing is written before `program()`.
- `screens`: `RefillScreens`, what the wizard shows at each step and waits for before Next: `screen`
  (the base), `label_screens` (steps 1–2), `volume_screens` (3–4), `dose_screens` (5–7).
"""

# The largest refill syringe a clinic would prepare. Here, not in `syringe`: `programmer pump`'s options name it
# without loading the refill's modules.
SYRINGE_MAX_ML = 60.0
