from pathlib import Path

from celery import shared_task

from documents.importing import import_rows, read_manifest


@shared_task(acks_late=True)
def import_chunk(directory: str, first_line: int, last_line: int) -> dict:
    """Import the manifest rows whose line numbers lie in [first_line, last_line].

    Safe to run twice: rows already imported are skipped (same checksum and household).
    """
    rows = [(line, row) for line, row in read_manifest(Path(directory))
            if first_line <= line <= last_line]
    return import_rows(Path(directory), rows).as_dict()
