"""Migration operations the portal's migrations share.

``AddIndexConcurrently``: an index added to a table that already holds rows (documents,
claims, audit events, threads and messages: millions of rows) is built with PostgreSQL's
``CREATE INDEX CONCURRENTLY``, which leaves the table writable while it builds; a plain
``CREATE INDEX`` would block every insert and update for the whole build. PostgreSQL refuses
it inside a transaction: the migration that holds it has ``atomic = False`` and nothing
else. On SQLite (development) it is a plain ``AddIndex``. See docs/operations.md, "Deploy".
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres import operations as postgres
from django.db.migrations.operations import AddIndex


class AddIndexConcurrently(postgres.AddIndexConcurrently):
    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any,
                          to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any,
                           to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
