"""The portal's production settings for a benchmark: everything from ``kptportal.settings``,
except that SMS are printed to standard output.

Production refuses to start with a development SMS backend when DEBUG is off (login codes in
the logs). A benchmark needs exactly that: ``bench/load.py`` reads the login codes from
gunicorn's output, and no bench run may reach a real provider. The settings are therefore read
with a Twilio backend named (fake, unused credentials) and the backend switched afterwards.
Used through ``DJANGO_SETTINGS_MODULE=bench.settings`` (``bench.environment.portal_env``).
"""

import os
import re

from django.core.exceptions import ImproperlyConfigured

# Printed SMS carry login codes: only ever against a benchmark's own database (the names
# ``manage.py bench_loaddata`` loads into).
if not re.search(r"/kpt_bench[A-Za-z0-9_]*$", os.environ.get("DATABASE_URL", "")):
    raise ImproperlyConfigured("bench.settings runs only on a benchmark database (kpt_bench…).")

os.environ["SMS_BACKEND"] = "twilio"
os.environ["TWILIO_ACCOUNT_SID"] = "bench-never-sent"
os.environ["TWILIO_AUTH_TOKEN"] = "bench-never-sent"  # noqa: S105
os.environ["TWILIO_FROM"] = "+41000000000"

from kptportal.settings import *  # noqa: E402, F403

SMS_BACKEND = "console"
