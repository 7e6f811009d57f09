"""Emails to the research team the scheduler sends on its own: the coordinators' daily digest."""
