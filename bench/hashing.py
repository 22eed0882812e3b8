"""What one password check costs: Django's Argon2 defaults against the portal's parameters.

``python -m bench.hashing [--checks 20]``: for each parameter set, a fresh Python process
hashes once (the growth of its peak resident memory is the memory one hash takes) and then
verifies the password ``--checks`` times, the two sets taking turns check by check so that the
shared machine's noise hits both alike. Prints the median time per check, the ratio between
the two and the memory per hash. A login makes exactly one such check.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

SETS = {
    "django-default": {"memory_cost": 102_400, "time_cost": 2, "parallelism": 8},
    "portal": None,  # core.hashers: read from the module, so the bench measures what ships
}
PASSWORD = "Bench-Portal-2026"  # noqa: S105 - the bench households' fictitious password


def _parameters(name: str) -> dict[str, int]:
    parameters = SETS[name]
    if parameters is None:
        from core import hashers

        parameters = {"memory_cost": hashers.MEMORY_COST_KIB, "time_cost": hashers.TIME_COST,
                      "parallelism": hashers.PARALLELISM}
    return parameters


def _memory_of_one_hash(name: str) -> float:
    """MiB: how far one hash raises a fresh process' peak resident memory (Linux).

    The peak (VmHWM) is reset to the current resident size first (``clear_refs`` 5): a
    child's peak otherwise starts at its parent's size at fork.
    """
    code = (
        "import json, sys, argon2\n"
        "def kib(field):\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith(field):\n"
        "            return int(line.split()[1])\n"
        "h = argon2.PasswordHasher(type=argon2.Type.ID, **json.loads(sys.argv[1]))\n"
        "open('/proc/self/clear_refs', 'w').write('5')\n"
        "before = kib('VmRSS:')\n"
        f"h.hash({PASSWORD!r})\n"
        "print(kib('VmHWM:') - before)\n")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(_parameters(name))],
                         check=True, capture_output=True, text=True).stdout
    return int(out) / 1024


def measure(checks: int) -> dict:
    import argon2

    hashers = {name: argon2.PasswordHasher(
        type=argon2.Type.ID, memory_cost=_parameters(name)["memory_cost"],
        time_cost=_parameters(name)["time_cost"], parallelism=_parameters(name)["parallelism"])
        for name in SETS}
    stored = {name: hasher.hash(PASSWORD) for name, hasher in hashers.items()}
    times: dict[str, list[float]] = {name: [] for name in SETS}
    ratios = []
    for _ in range(checks):
        round_times = {}
        for name, hasher in hashers.items():
            started = time.perf_counter()
            hasher.verify(stored[name], PASSWORD)
            round_times[name] = time.perf_counter() - started
            times[name].append(round_times[name])
        ratios.append(round_times["portal"] / round_times["django-default"])
    return {
        "checks": checks, "load_average": os.getloadavg(),
        "cpu_seconds": resource.getrusage(resource.RUSAGE_SELF).ru_utime,
        "ratio_portal_to_default": statistics.median(ratios),
        "sets": {name: {**_parameters(name),
                        "median_ms": statistics.median(times[name]) * 1000,
                        "memory_mib": _memory_of_one_hash(name)} for name in SETS},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=20)
    parser.add_argument("--json", help="also write the result to this file")
    args = parser.parse_args(argv)
    result = measure(args.checks)
    load = ", ".join(f"{value:.1f}" for value in result["load_average"])
    print(f"\nPassword check, {args.checks} interleaved checks each, load average {load}")
    print(f"{'parameters':16} {'m KiB':>7} {'t':>2} {'p':>2} {'median ms':>10} {'MiB/hash':>9}")
    for name, row in result["sets"].items():
        print(f"{name:16} {row['memory_cost']:7} {row['time_cost']:2} {row['parallelism']:2} "
              f"{row['median_ms']:10.1f} {row['memory_mib']:9.1f}")
    print(f"portal / django-default, median of per-check ratios: "
          f"{result['ratio_portal_to_default']:.2f}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
