"""Users, their professional profile, and the roles that decide what they may do."""
