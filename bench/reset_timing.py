"""How long the password reset takes to answer when the details match and when they do not.

``python -m bench.reset_timing [--rounds 20]``: a throwaway SQLite database under a temporary
folder, one household (fictitious), Django's test client in this process. Each round posts,
in turn, the matching contract + birth date (a code is sent), a wrong birth date and an
unknown contract, first without the answer-time floor (``PASSWORD_RESET_ANSWER_SECONDS=0``,
how it was) and then with the configured floor; budgets are refilled between rounds so every
matching request really sends its code. Prints the medians and the differences in ms.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.environment import throwaway_portal


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    throwaway_portal("kpt-reset-timing-")
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    from datetime import date

    from accounts.models import SMSDevice
    from accounts.tests.factories import CustomerFactory, InsuredPersonFactory, sms_device_for
    from core.models import TokenBucket

    household = CustomerFactory(account__username="KPT12345678", holder=False)
    InsuredPersonFactory(customer=household, is_policy_holder=True, birth_date=date(1970, 1, 5))
    sms_device_for(household.account)  # type: ignore[arg-type]  # a factory's attribute
    cases = {"match": ("KPT12345678", "05.01.1970"),
             "wrong birth date": ("KPT12345678", "06.01.1970"),
             "unknown contract": ("KPT87654321", "05.01.1970")}
    floor = settings.PASSWORD_RESET_ANSWER_SECONDS
    for label, seconds in (("before (no floor)", 0.0), (f"after ({floor:.2f} s floor)", floor)):
        settings.PASSWORD_RESET_ANSWER_SECONDS = seconds
        timings: dict[str, list[float]] = {name: [] for name in cases}
        for n in range(args.rounds + 2):  # two rounds of warm-up
            for name, (contract, birth_date) in cases.items():
                TokenBucket.objects.all().delete()
                SMSDevice.objects.update(last_generated_timestamp=None)
                client = Client(REMOTE_ADDR=f"10.1.{n % 250}.1")
                started = time.perf_counter()
                response = client.post("/password-reset/", {"contract_number": contract,
                                                            "birth_date": birth_date})
                elapsed = time.perf_counter() - started
                assert response.status_code == 302, response.status_code
                if n >= 2:
                    timings[name].append(elapsed * 1000)
        medians = {name: statistics.median(values) for name, values in timings.items()}
        slower = sum(m > u for m, u in zip(timings["match"], timings["unknown contract"],
                                           strict=True))
        print(f"{label}: " + ", ".join(f"{name} {ms:.1f} ms" for name, ms in medians.items())
              + f"; match - unknown {medians['match'] - medians['unknown contract']:+.1f} ms,"
              f" match - wrong birth date "
              f"{medians['match'] - medians['wrong birth date']:+.1f} ms;"
              f" match slower in {slower}/{args.rounds} pairs")


if __name__ == "__main__":
    main()
