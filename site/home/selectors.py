"""What the home page shows a visitor and a signed-in member."""


def home_for(user) -> dict:
    return {}
