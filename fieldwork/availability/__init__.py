"""Interviewers' availability: working hours, dates away, busy times read from their own
calendars, and the finder of free times built on them."""
