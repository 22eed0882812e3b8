# The same Swiss conventions in every language (see fr/formats.py).
from core.formats.fr.formats import *  # noqa: F403
