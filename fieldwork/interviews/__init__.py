"""Interviews: scheduling, rescheduling and cancelling them, with calendar invites and feeds."""
