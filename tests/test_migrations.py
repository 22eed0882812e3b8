"""Migrations that can run while the portal serves: indexes on the large tables are built
CONCURRENTLY (docs/operations.md, "Deploy").

Before: ``documents.0002_admin_list_index`` and its siblings built their index with a plain
CREATE INDEX, which blocks every write to an 8-million-row table for the whole build.
"""

import io

import pytest
from django.contrib.postgres.operations import AddIndexConcurrently
from django.core.management import call_command
from django.db import migrations
from django.db.migrations.loader import MigrationLoader

from tests.services import skip_or_fail

# Tables with millions of rows: documents, claims, the audit log, threads and messages.
LARGE = ("documents", "claims", "audit", "messaging")
CONCURRENT = [("documents", "0002_admin_list_index_concurrently", "doc_issue_date_id"),
              ("claims", "0002_admin_list_index_concurrently", "claim_recent"),
              ("messaging", "0002_thread_queue_index_concurrently", "thread_queue_order")]


def operations(migration):
    """Every operation that touches the database, inside SeparateDatabaseAndState too."""
    for operation in migration.operations:
        if isinstance(operation, migrations.SeparateDatabaseAndState):
            yield from operation.database_operations
        else:
            yield operation


def test_indexes_added_to_a_large_table_are_built_concurrently_in_a_migration_of_their_own():
    graph = MigrationLoader(None, ignore_no_migrations=True).graph  # as `migrate` sees it
    found = []
    for (app, name) in graph.nodes:
        if app not in LARGE:
            continue
        migration = graph.nodes[app, name]
        created = {op.name.lower() for op in operations(migration)
                   if isinstance(op, migrations.CreateModel)}
        for op in operations(migration):
            existing = getattr(op, "model_name", "").lower() not in created
            if isinstance(op, migrations.AddIndex) and existing:
                found.append(name)
                assert isinstance(op, AddIndexConcurrently), (app, name)
                assert migration.atomic is False, (app, name)
                assert all(isinstance(other, AddIndexConcurrently)
                           for other in migration.operations), (app, name)
            if isinstance(op, migrations.AddField) and existing:
                # A new indexed column (a foreign key too) builds its index in the same
                # lock: add it with db_index=False, then AddIndexConcurrently.
                assert not (op.field.db_index or op.field.unique), (app, name, op.name)
    assert sorted(found) == sorted(name for _app, name, _index in CONCURRENT)


def test_the_replaced_plain_index_migrations_stay_for_databases_that_applied_them():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for app, name, _index in CONCURRENT:
        replaced = loader.disk_migrations[app, name].replaces
        assert len(replaced) == 1 and (app, replaced[0][1]) in loader.disk_migrations


@pytest.mark.django_db(transaction=True)  # CONCURRENTLY refuses a transaction around it
@pytest.mark.parametrize(("app", "name", "index"), CONCURRENT)
def test_the_index_is_created_concurrently_on_postgresql(app, name, index):
    from django.db import connection

    if connection.vendor != "postgresql":
        skip_or_fail("CREATE INDEX CONCURRENTLY is PostgreSQL's")
    out = io.StringIO()
    call_command("sqlmigrate", app, name, stdout=out)
    assert f'CREATE INDEX CONCURRENTLY "{index}"' in out.getvalue()
    assert "BEGIN;" not in out.getvalue()  # not wrapped in a transaction


@pytest.mark.django_db
def test_every_column_on_postgresql_is_as_wide_and_as_nullable_as_its_model_says():
    """A state-only move (SeparateDatabaseAndState) can leave the table behind its model;
    SQLite does not check lengths, so only PostgreSQL shows it."""
    from django.apps import apps
    from django.db import connection

    if connection.vendor != "postgresql":
        skip_or_fail("SQLite does not enforce column lengths")
    mismatches = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if not model._meta.managed or model._meta.proxy:
                continue
            columns = {column.name: column for column in connection.introspection
                       .get_table_description(cursor, model._meta.db_table)}
            for field in model._meta.local_fields:
                column = columns.get(field.column)
                if column is None:
                    mismatches.append((model._meta.label, field.name, "missing"))
                    continue
                width = getattr(field, "max_length", None)
                varchar = column.type_code == 1043  # character varying(n)
                if varchar and width and column.display_size != width:
                    mismatches.append((model._meta.label, field.name, column.display_size))
                if column.null_ok != field.null:
                    mismatches.append((model._meta.label, field.name, "null"))
    assert mismatches == []
