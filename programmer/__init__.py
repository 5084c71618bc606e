"""Training emulator of a clinician programmer for implanted intrathecal drug pumps. Not for clinical use."""

TRAINING_BANNER = "Training emulator — not for clinical use"
