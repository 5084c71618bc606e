"""The flexible (time-of-day) schedule screen, and the old/new schedule comparison for the review screen.

editor (ScheduleEditor: the parts laid out and bound to programmer.session.schedule_screen),
step_controls, step_table, totals_panel, week_overview, findings_list, copy_day_dialog,
timeline (pointer and keys) over timeline_drawing (what it draws), and comparison.
"""
