"""Fewer points for drawing a curve, with the same look: about one point per pixel column.

A year of a 13-step schedule is about 4,400 breakpoints on a plot about 900 pixels wide, so most
pixel columns hold several of them: drawing them all costs time and shows nothing more. The
curve is cut into pixel columns and, from each, the first point is kept. A reservoir curve only
falls, so the line from one column's first point to the next one's stays within those two
columns and between their volumes, where the curve itself is: the drawing is the same to within
a pixel. Where a segment longer than a column starts, its first point is kept too, so a long
segment is drawn as it is (a bolus drop followed by a steady rate keeps its corner). A curve
that does not only fall also keeps each column's lowest and highest point (the M4 rule).

Always kept: the first and last points (the curve's extremes) and the point at each `keep`
moment (the alarm and empty instants, within a second), so the drawn curve crosses the alarm
volume exactly where the marker and the summary say.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def thin(
    seconds: np.ndarray, volumes: np.ndarray, column_seconds: float | None, keep: Iterable[float] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """The points of the curve (`seconds` ascending, `volumes`) to draw at `column_seconds` a pixel column.

    `column_seconds` None or not above 0 (the plot's width is not known yet): every point.
    """
    count = len(seconds)
    if column_seconds is None or not column_seconds > 0 or count <= 2:
        return seconds, volumes
    # np.concatenate rather than np.r_, whose parsing of its arguments costs more than the arrays here (issue 16).
    columns = np.floor(seconds / column_seconds).astype(np.int64)
    first = np.flatnonzero(np.concatenate(([True], columns[1:] != columns[:-1])))  # each column's first point
    if len(first) == count:
        return seconds, volumes  # one point a column already
    last = np.concatenate((first[1:], [count])) - 1
    chosen = np.zeros(count, dtype=bool)
    chosen[first] = True
    chosen[[0, -1]] = True
    long = np.concatenate((np.diff(columns[first]) > 1, [False]))
    chosen[last[long]] = True  # where a segment longer than a column starts
    steps = np.diff(volumes)
    if not (np.all(steps <= 0) or np.all(steps >= 0)):
        # Sorted by column, then by volume, each column's run starts with its lowest point and ends with its highest.
        group = np.repeat(np.arange(len(first)), np.diff(np.concatenate((first, [count]))))
        by_volume = np.lexsort((volumes, group))
        chosen[by_volume[first]] = chosen[by_volume[last]] = True
        chosen[last] = True
    for moment in keep:
        index = int(np.searchsorted(seconds, moment))
        near = [i for i in (index - 1, index) if 0 <= i < count and abs(seconds[i] - moment) < 1.0]
        if near:
            chosen[min(near, key=lambda i: abs(seconds[i] - moment))] = True
    return seconds[chosen], volumes[chosen]
