"""Interview reminders: one email per interview, SEQUENCE and attendee, a set time before."""
