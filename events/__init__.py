"""Sessions facilitators schedule: one-off and recurring, RSVPs, calendars and attendance."""
