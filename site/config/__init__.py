"""The site's configuration: settings, root URLconf and the ASGI application."""
