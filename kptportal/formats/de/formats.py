# The same Swiss conventions in every language (see fr/formats.py).
from kptportal.formats.fr.formats import *  # noqa: F403
