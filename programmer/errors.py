"""The one base of every error a nurse, an educator or a script can act on.

Its message says what is wrong, with the numbers, and what to do; the window and the
command line show it as it is, never as a traceback.
"""


class ProgrammerError(Exception):
    """Something the user must act on; the message says what and how."""
