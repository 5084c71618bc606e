"""What a clinician does: programming sessions, the refill workflow, safety checks. No Qt."""
