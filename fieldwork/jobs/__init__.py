"""Background jobs: the database lock that lets one scheduler work at a time, the record of each
job's last run, the thin job functions the scheduler calls, and the admins' status page."""
