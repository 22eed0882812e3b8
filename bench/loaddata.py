"""A large, realistic, fictitious dataset, loaded fast with PostgreSQL COPY (psycopg 3).

``python manage.py bench_loaddata --scale 2000`` adds that many households to the current
(PostgreSQL) database: a login each (one shared Argon2 hash, password ``BENCH_PASSWORD``),
1–4 insured persons, coverages, ten years of documents, message threads, a few audit-log
lines and document reads. Rows go in by ``COPY … FROM STDIN`` with ids assigned here; the
sequences are moved past them at the end.

Files are shared by reference: one real encrypted PDF per document type is written once
through ``private_storage`` and every row of that type points to it, so the disk stays small.
``Document.checksum`` must be unique per household, so each row gets a synthetic checksum
(SHA-256 of ``bench:<id>``): it does not match the shared file's content (``rotate_file_keys``
would flag bench rows). Claims: a few a year per insured person, each with one page (one
shared encrypted JPEG), its status history and, for those waiting in the review queue, the
extracted amount and date.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

BENCH_PASSWORD = "Bench-Portal-2026"  # noqa: S105 - fictitious bench logins only
USERNAME_BASE = 60_000_000  # bench contracts are KPT6xxxxxxx, away from the demo's
ADVISORS = 40
BATCH = 500  # households per round of COPY
FIRST_NAMES = ["Anna", "Luca", "Mia", "Noah", "Lea", "Elias", "Laura", "Julien", "Chiara",
               "Marco", "Sofia", "David", "Emma", "Louis", "Nina", "Jonas"]
LAST_NAMES = ["Muster", "Meier", "Rossi", "Dubois", "Keller", "Bianchi", "Favre", "Huber",
              "Brunner", "Rochat", "Weber", "Ferrari", "Schmid", "Bonvin", "Gerber", "Moser"]
LOCALITIES = [("8000", "Zürich"), ("3011", "Bern"), ("1003", "Lausanne"), ("6900", "Lugano"),
              ("4051", "Basel"), ("1201", "Genève"), ("9000", "St. Gallen"), ("6003", "Luzern")]
PRODUCTS = [  # code, line, eligible for the online discount, monthly premium range
    ("BENCH-KVG", "KVG", False, (280, 520)),
    ("BENCH-HOSP", "VVG", True, (40, 160)),
    ("BENCH-FLEX", "VVG", False, (30, 90)),
    ("BENCH-AMB", "VVG", True, (15, 60)),
]
TYPE_TITLES = {
    "policy": "Police d'assurance {year}",
    "premium_invoice": "Facture de prime {month:02d}.{year}",
    "benefit_statement": "Décompte de prestations",
    "cost_guarantee": "Garantie de prise en charge",
}


@dataclass
class Report:
    households: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    sizes: dict[str, int] = field(default_factory=dict)


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"')  # noqa: S608
        return cursor.fetchone()[0]


def _move_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
            f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))')


class Copier:
    """One ``COPY`` per model; columns not given take the field's default once."""

    def __init__(self, raw_cursor, model, columns: list[str]):
        now = timezone.now()
        self.model = model
        self.table = model._meta.db_table
        given = set(columns)
        self.columns = list(columns)
        defaults = []
        for model_field in model._meta.concrete_fields:
            if model_field.attname in given:
                continue
            if getattr(model_field, "auto_now", False) or getattr(model_field,
                                                                  "auto_now_add", False):
                value = now
            else:  # the field's default, "" for text, None for nullable fields
                value = model_field.get_default()
            if isinstance(value, (dict, list)):
                import json

                value = json.dumps(value)
            self.columns.append(model_field.column)
            defaults.append(value)
        self.defaults = tuple(defaults)
        names = ", ".join(f'"{column}"' for column in self.columns)
        self.sql = f'COPY "{self.table}" ({names}) FROM STDIN'
        self.raw_cursor = raw_cursor
        self.rows: list[tuple] = []
        self.count = 0

    def write(self, row: tuple) -> None:
        self.rows.append(row)
        self.count += 1

    def flush(self) -> None:
        """One COPY of the buffered rows (a connection runs one COPY at a time)."""
        if not self.rows:
            return
        defaults = self.defaults
        with self.raw_cursor.copy(self.sql) as copy:
            for row in self.rows:
                copy.write_row(row + defaults)
        self.rows.clear()


def _shared_files() -> dict[str, tuple[str, int]]:
    """One real encrypted PDF per type, written once: (storage name, plaintext size)."""
    from core.storage import private_storage
    from documents.pdfs import letter_pdf

    storage = private_storage()
    files = {}
    for doc_type, title in TYPE_TITLES.items():
        content = letter_pdf(title.format(year=2025, month=1),
                             ["Document de banc d'essai, fictif."])
        name = storage.save(f"documents/bench/{doc_type}.pdf", ContentFile(content))
        files[doc_type] = (name, len(content))
    from claims.tests.factories import jpeg_bytes

    photo = jpeg_bytes(size=(600, 800))
    files["claim_page"] = (storage.save("claims/bench/page.jpg", ContentFile(photo)),
                           len(photo))
    return files


def _products():
    from policies.models import Product

    products = []
    for code, line, eligible, prices in PRODUCTS:
        product, _created = Product.objects.get_or_create(code=code, defaults={
            "line": line, "online_discount_eligible": eligible,
            "name_fr": f"{code} (banc d'essai)", "name_de": f"{code} (Benchmark)",
            "name_it": f"{code} (benchmark)", "name_en": f"{code} (benchmark)"})
        products.append((product.pk, line, prices))
    return products


def _advisors():
    from accounts.models import User

    ids = []
    for n in range(ADVISORS):
        advisor, _created = User.objects.get_or_create(
            username=f"bench-advisor{n}",
            defaults={"is_staff": True, "first_name": "Conseil", "last_name": f"Bench {n}"})
        ids.append(advisor.pk)
    return ids


def load(*, households: int, seed: int = 1, stdout=None, years: int = 10) -> Report:
    """Add ``households`` fictitious households; return row counts and time taken."""
    from accounts.models import Customer, InsuredPerson, SMSDevice, User
    from audit.models import AuditEvent
    from claims.models import Claim, ClaimPage, ExtractedField, StatusChange
    from documents.models import Document, DocumentRead
    from messaging.models import Message, Thread
    from policies.models import Coverage

    if connection.vendor != "postgresql":
        raise RuntimeError("bench_loaddata needs PostgreSQL (COPY); set DATABASE_URL.")
    started = time.monotonic()
    say = (lambda text: stdout.write(text + "\n")) if stdout else (lambda text: None)
    rng = random.Random(seed)
    today = date.today()
    now = timezone.now()
    password = make_password(BENCH_PASSWORD)
    files = _shared_files()
    products = _products()
    advisor_ids = _advisors()
    models: list[type[Model]] = [
        User, Customer, InsuredPerson, SMSDevice, Coverage, Document, DocumentRead, Thread,
        Message, AuditEvent, Claim, ClaimPage, StatusChange, ExtractedField]
    ids = {model: _next_id(model._meta.db_table) for model in models}

    def next_id(model) -> int:
        value = ids[model]
        ids[model] = value + 1
        return value

    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute("SET LOCAL synchronous_commit = off")
        # Rows are consistent by construction: skip the per-row foreign-key triggers.
        raw.execute("SET LOCAL session_replication_role = replica")
        users = Copier(raw, User, ["id", "username", "password", "first_name", "last_name",
                                   "email", "mobile_phone", "is_active", "is_staff",
                                   "is_superuser", "date_joined", "language"])
        customers = Copier(raw, Customer, [
            "id", "customer_number", "account_id", "advisor_id", "street", "postcode",
            "locality", "email", "language", "correspondence", "portal_registered_at",
            "notify_channel"])
        persons = Copier(raw, InsuredPerson, ["id", "customer_id", "insured_number",
                                              "first_name", "last_name", "birth_date",
                                              "is_policy_holder"])
        devices = Copier(raw, SMSDevice, ["id", "user_id", "name", "confirmed", "number"])
        coverages = Copier(raw, Coverage, ["id", "insured_person_id", "product_id",
                                           "franchise", "start", "end", "monthly_premium"])
        documents = Copier(raw, Document, [
            "id", "customer_id", "insured_person_id", "type", "issue_date", "title", "period",
            "reference", "file", "original_name", "content_type", "size", "checksum",
            "retain_until"])
        reads = Copier(raw, DocumentRead, ["id", "document_id", "user_id", "read_at"])
        threads = Copier(raw, Thread, ["id", "customer_id", "subject", "assigned_to_id",
                                       "status", "created_at", "last_activity_at",
                                       "awaiting_reply_since"])
        messages = Copier(raw, Message, ["id", "thread_id", "author_id", "from_advisor", "body",
                                         "created_at", "read_at"])
        events = Copier(raw, AuditEvent, ["id", "created_at", "kind", "user_id",
                                             "customer_id", "username", "ip_address",
                                             "user_agent"])
        claims = Copier(raw, Claim, ["id", "customer_id", "insured_person_id", "kind", "status",
                                     "status_changed_at", "checksum", "amount", "currency",
                                     "provider_name", "created_at"])
        claim_pages = Copier(raw, ClaimPage, ["id", "claim_id", "file", "order", "content_type",
                                              "sha256", "page_count", "original_name", "size"])
        status_changes = Copier(raw, StatusChange, ["id", "claim_id", "status", "at"])
        fields = Copier(raw, ExtractedField, ["id", "claim_id", "name", "value", "source",
                                              "confidence"])
        copiers = [users, customers, persons, devices, coverages, documents, reads, threads,
                   messages, events, claims, claim_pages, status_changes, fields]
        first_year = today.year - years + 1
        for n in range(households):
            user_id = next_id(User)
            customer_id = next_id(Customer)
            username = f"KPT{USERNAME_BASE + user_id:08d}"
            last_name = rng.choice(LAST_NAMES)
            holder_first = rng.choice(FIRST_NAMES)
            mobile = f"+4179{user_id % 10_000_000:07d}"
            online = rng.random() < 0.6
            joined = now - timedelta(days=rng.randint(30, 3000))
            users.write((user_id, username, password, holder_first, last_name,
                         f"{username.lower()}@example.ch", mobile, True, False, False, joined,
                         "fr"))
            postcode, locality = rng.choice(LOCALITIES)
            advisor_id = advisor_ids[n % len(advisor_ids)]
            customers.write((customer_id, f"B{USERNAME_BASE + customer_id}", user_id, advisor_id,
                             f"Rue du Banc {rng.randint(1, 99)}", postcode, locality,
                             f"{username.lower()}@example.ch", "fr",
                             "online" if online else "post", joined if online else None,
                             "sms"))
            devices.write((next_id(SMSDevice), user_id, "default", True, mobile))
            size = rng.choices([1, 2, 3, 4], weights=[35, 30, 15, 20])[0]
            household_persons = []
            for index in range(size):
                person_id = next_id(InsuredPerson)
                born = date(rng.randint(1950, 2000) if index < 2 else rng.randint(2008, 2022),
                            rng.randint(1, 12), rng.randint(1, 28))
                persons.write((person_id, customer_id, f"{800_000_000 + person_id}",
                               holder_first if index == 0 else rng.choice(FIRST_NAMES),
                               last_name, born, index == 0))
                household_persons.append(person_id)
                for product_id, line, (low, high) in products:
                    if line == "VVG" and rng.random() < 0.5:
                        continue
                    coverages.write((next_id(Coverage), person_id, product_id,
                                     rng.choice([300, 1000, 2500]) if line == "KVG" else None,
                                     date(first_year, 1, 1), None,
                                     Decimal(rng.randint(low * 20, high * 20)) / 20))

            def document(person_id, doc_type, issued, title, period=None, reference="",
                         customer_id=customer_id, user_id=user_id):
                doc_id = next_id(Document)
                name, file_size = files[doc_type]
                documents.write((
                    doc_id, customer_id, person_id, doc_type, issued, title, period, reference,
                    name, f"{doc_type}.pdf", "application/pdf", file_size,
                    hashlib.sha256(b"bench:%d" % doc_id).hexdigest(),
                    date(issued.year + 10, issued.month, min(issued.day, 28))))
                if rng.random() < 0.1:
                    reads.write((next_id(DocumentRead), doc_id, user_id,
                                 now - timedelta(days=rng.randint(0, 300))))

            holder = household_persons[0]
            for year in range(first_year, today.year + 1):
                for month in range(1, 13):
                    issued = date(year, month, 1) - timedelta(days=20)
                    if issued > today:
                        break
                    document(holder, "premium_invoice", issued,
                             TYPE_TITLES["premium_invoice"].format(month=month, year=year),
                             period=date(year, month, 1))
                for person_id in household_persons:
                    policy_day = date(year - 1, 11, 15)
                    document(person_id, "policy", policy_day,
                             TYPE_TITLES["policy"].format(year=year))
                    for _statement in range(rng.choice([0, 0, 1, 1, 1, 2, 3])):
                        issued = date(year, rng.randint(1, 12), rng.randint(1, 28))
                        if issued <= today:
                            document(person_id, "benefit_statement", issued,
                                     TYPE_TITLES["benefit_statement"],
                                     reference=f"S-{rng.randint(10**7, 10**8 - 1)}")
                    if rng.random() < 0.08:
                        issued = date(year, rng.randint(1, 12), rng.randint(1, 28))
                        if issued <= today:
                            document(person_id, "cost_guarantee", issued,
                                     TYPE_TITLES["cost_guarantee"],
                                     reference=f"G-{rng.randint(10**7, 10**8 - 1)}")

            page_name, page_size = files["claim_page"]
            for person_id in household_persons:
                for _claim in range(rng.choice([0, 1, 2, 3, 5, 8])):
                    claim_id = next_id(Claim)
                    created = now - timedelta(days=rng.randint(0, 365 * years),
                                              minutes=rng.randint(0, 1440))
                    if created > now - timedelta(days=30):
                        status = rng.choice(["received", "processing", "to_review", "to_review",
                                             "accepted"])
                    else:
                        status = rng.choices(["settled", "rejected", "accepted"], [8, 1, 1])[0]
                    amount = Decimal(rng.randint(400, 200_000)) / 20
                    digest = hashlib.sha256(b"bench-claim:%d" % claim_id).hexdigest()
                    claims.write((claim_id, customer_id, person_id, "doctor_invoice", status,
                                  created + timedelta(hours=2), digest, amount, "CHF",
                                  "Cabinet médical (banc d'essai)", created))
                    claim_pages.write((next_id(ClaimPage), claim_id, page_name, 0, "image/jpeg",
                                       digest, 1, "photo.jpg", page_size))
                    status_changes.write((next_id(StatusChange), claim_id, "received", created))
                    if status != "received":
                        status_changes.write((next_id(StatusChange), claim_id, status,
                                              created + timedelta(hours=2)))
                    if status == "to_review":
                        fields.write((next_id(ExtractedField), claim_id, "amount", str(amount),
                                      "ocr", 0.55))
                        fields.write((next_id(ExtractedField), claim_id, "invoice_date",
                                      f"{created:%Y-%m-%d}", "ocr", 0.8))

            for _thread in range(rng.choice([0, 0, 1, 1, 2, 3])):
                thread_id = next_id(Thread)
                started_at = now - timedelta(days=rng.randint(1, 3000))
                count = rng.randint(1, 6)
                at = started_at
                last_from_advisor = False
                for index in range(count):
                    at = at + timedelta(hours=rng.randint(1, 72))
                    last_from_advisor = index % 2 == 1
                    unread = last_from_advisor and index == count - 1 and rng.random() < 0.3
                    messages.write((next_id(Message), thread_id,
                                    advisor_id if last_from_advisor else user_id,
                                    last_from_advisor,
                                    "Bonjour, une question au sujet de ma facture."
                                    if not last_from_advisor else "Voici notre réponse.",
                                    at, None if unread or not last_from_advisor else at))
                open_ = at > now - timedelta(days=60)
                threads.write((thread_id, customer_id, f"Question {thread_id}", advisor_id,
                               "open" if open_ else "closed", started_at, at,
                               at if open_ and not last_from_advisor else None))
            for _event in range(3):
                events.write((next_id(AuditEvent),
                              now - timedelta(days=rng.randint(0, 365),
                                              minutes=rng.randint(0, 1440)),
                              "login", user_id, customer_id, username, "192.0.2.10",
                              "Mozilla/5.0 (bench)"))
            if (n + 1) % BATCH == 0:
                for copier in copiers:
                    copier.flush()
            if (n + 1) % 5000 == 0:
                say(f"  {n + 1} households, {documents.count} documents, "
                    f"{time.monotonic() - started:.0f} s")
        for copier in copiers:
            copier.flush()
    for model in models:
        _move_sequence(model._meta.db_table)
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    report = Report(households=households,
                    rows={copier.table: copier.count for copier in copiers},
                    seconds=time.monotonic() - started)
    report.sizes = table_sizes([model._meta.db_table for model in models])
    return report


def table_sizes(tables: list[str]) -> dict[str, int]:
    """pg_total_relation_size (rows, indexes, TOAST) of each table, in bytes."""
    with connection.cursor() as cursor:
        return {table: _size(cursor, table) for table in tables}


def _size(cursor, table: str) -> int:
    cursor.execute("SELECT pg_total_relation_size(%s)", [table])
    return cursor.fetchone()[0]
