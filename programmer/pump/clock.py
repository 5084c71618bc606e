"""The range of moments the emulated pump's clock can read."""

from datetime import datetime

# The pump's clock reads a moment from EARLIEST_CLOCK to LATEST_CLOCK, and nothing moves it outside.
# Why these: a pump's battery lasts 5-10 years and a patient's therapy a few decades, so two centuries
# hold any real or training history (implant today, run past end of service) with room to spare. And
# every date computed from a clock inside them stays far from the ends of Python's calendar (year 1 and
# year 9999): end of service is at most the service life and its grace period after implant, a full
# reservoir at the slowest flow empties within about 3 years, a plot spans a year or three, and
# `pump project` looks at most 10 years ahead. A clock moved to 9999-12-31 overflowed every one of
# those, and the pump file could never be opened again.
EARLIEST_CLOCK = datetime(2000, 1, 1)
LATEST_CLOCK = datetime(2200, 1, 1)
