from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from claims.models import Claim, ClaimStatus
from claims.services import reprocess


class Command(BaseCommand):
    help = ("Run the intake again on claims (after a pipeline improvement). Claims an advisor "
            "has decided (accepted, rejected, settled) are only taken with an explicit --status.")

    def add_arguments(self, parser):
        parser.add_argument("--status", action="append", choices=ClaimStatus.values,
                            help="only claims in this status (repeatable); default: received, "
                                 "processing and to_review")
        parser.add_argument("--since", help="only claims received on or after YYYY-MM-DD")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, status=None, since=None, dry_run=False, **options):
        statuses = status or [ClaimStatus.RECEIVED, ClaimStatus.PROCESSING,
                              ClaimStatus.TO_REVIEW]
        claims = Claim.objects.filter(status__in=statuses).order_by("created_at", "id")
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
        queued = sum(1 for claim_id in ids if reprocess(claim_id))
        self.stdout.write(f"{queued} of {len(ids)} claims queued for intake")
