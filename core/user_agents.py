"""A browser's user agent in words people know."""

BROWSERS = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
            ("Safari/", "Safari")]
SYSTEMS = [("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
           ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux")]


def device_label(user_agent: str) -> str:
    """``Chrome · Android`` from the user agent; empty when neither is recognised."""
    browser = next((name for marker, name in BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in SYSTEMS if marker in user_agent), "")
    return " · ".join(part for part in (browser, system) if part)
