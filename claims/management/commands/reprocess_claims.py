from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from claims.models import Claim, ClaimStatus
from claims.processing import REEXTRACT_STATUSES, reextract_claim
from claims.services import reprocess

if TYPE_CHECKING:
    from django.core.management.base import CommandParser


class Command(BaseCommand):
    help = ("Run the intake again on claims (after a pipeline improvement). Claims an advisor "
            "has decided (accepted, rejected, settled) are only taken with an explicit --status. "
            "With --step extract, only the steps after the OCR run again, here and now, on the "
            "words stored at the last reading (a claim without them is queued for a full "
            "reading).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--status", action="append", choices=ClaimStatus.values,
                            help="only claims in this status (repeatable); default: received, "
                                 "processing and to_review (with --step extract: to_review)")
        parser.add_argument("--since", help="only claims received on or after YYYY-MM-DD")
        parser.add_argument("--step", choices=["all", "extract"], default="all",
                            help="all: read the files again (queued); extract: layout, "
                                 "extraction, rescue, cross-check, merge, patient check and "
                                 "duplicates again from the stored words")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, status: list[str] | None = None, since: str | None = None,
               step: str = "all", dry_run: bool = False, **options: Any) -> None:
        default = ([ClaimStatus.TO_REVIEW] if step == "extract" else
                   [ClaimStatus.RECEIVED, ClaimStatus.PROCESSING, ClaimStatus.TO_REVIEW])
        claims = Claim.objects.filter(status__in=status or default).order_by("created_at", "id")
        if since:
            try:
                day = datetime.strptime(since, "%Y-%m-%d").date()
            except ValueError as exc:
                raise CommandError("--since takes a date as YYYY-MM-DD") from exc
            claims = claims.filter(created_at__gte=timezone.make_aware(
                datetime.combine(day, datetime.min.time())))
        ids = list(claims.values_list("pk", flat=True))
        if dry_run:
            self.stdout.write(f"{len(ids)} claims would be re-read")
            return
        if step == "extract":
            self._reextract(ids)
            return
        queued = sum(1 for claim_id in ids if reprocess(claim_id))
        self.stdout.write(f"{queued} of {len(ids)} claims queued for intake")

    def _reextract(self, ids: list[int]) -> None:
        done = queued = 0
        statuses = dict(Claim.objects.filter(pk__in=ids).values_list("pk", "status"))
        for claim_id in ids:
            if statuses.get(claim_id) not in REEXTRACT_STATUSES:
                continue  # the intake is still at it, or the claim is settled
            if reextract_claim(claim_id) is not None:
                done += 1
            elif reprocess(claim_id):
                queued += 1
        self.stdout.write(f"{done} of {len(ids)} claims extracted again from their stored "
                          f"words; {queued} without stored words queued for a full reading")
