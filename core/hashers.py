"""The password hash: Argon2id with parameters chosen on purpose, not the library's defaults.

Django's ``Argon2PasswordHasher`` defaults to 100 MiB, 2 passes, 8 lanes: on a 2-core web
server one login check takes a whole core for hundreds of milliseconds and 100 MiB of memory,
so a login storm queues every page behind it (docs/performance.md, "Password hashing").
``PortalArgon2PasswordHasher`` uses OWASP's recommended minimum for Argon2id (Password Storage
Cheat Sheet: m = 19 MiB, t = 2, p = 1), measured by ``python -m bench.hashing``.

It keeps the algorithm name ``argon2``: every stored Argon2 hash (its parameters are written
in it) is still checked, and Django re-hashes with these parameters at the next successful
login whenever a stored hash has other ones (``must_update``), as it does for PBKDF2 hashes
when this hasher comes first in ``PASSWORD_HASHERS``.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher

# OWASP's minimum for Argon2id: raise memory_cost first if logins can afford it.
MEMORY_COST_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1


class PortalArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id (Django's hasher always uses the id variant), 19 MiB, 2 passes, 1 lane."""

    memory_cost = MEMORY_COST_KIB
    time_cost = TIME_COST
    parallelism = PARALLELISM
