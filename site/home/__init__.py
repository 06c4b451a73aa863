"""The home page, site-wide settings and the health endpoint."""
