"""The training layer in the window: scenarios, the attempt beside the screens, debrief, instructor."""
