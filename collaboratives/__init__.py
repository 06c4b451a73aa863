"""Learning collaboratives, their cohorts and memberships, and the cohorts' live rooms."""
