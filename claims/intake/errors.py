"""Domain exceptions of the invoice intake pipeline.

Catch order for callers (e.g. a Celery task)::

    try:
        reading = read_invoice(data)
    except TransientIntakeError:   # retry later
        ...
    except IntakeError:            # permanent: tell the user the file is unreadable
        ...
"""


class IntakeError(Exception):
    """The upload cannot be read. ``message`` is safe to show to staff."""

    retryable = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.step = ""  # the step of the intake that failed (set by ``chain.run_one``)


class UnsupportedFormatError(IntakeError):
    """Not a JPEG, PNG, HEIC/HEIF or PDF file."""


class CorruptFileError(IntakeError):
    """Recognised format but the content is empty, truncated or damaged."""


class ImageTooLargeError(IntakeError):
    """Image or PDF page exceeds the pixel budget (decompression bomb guard)."""


class EncryptedPdfError(IntakeError):
    """The PDF is password protected."""


class TooManyPagesError(IntakeError):
    """The PDF has more pages than the pipeline accepts."""


class QrBillError(IntakeError):
    """A QR code was found but its Swiss QR-bill payload is invalid."""


class TransientIntakeError(IntakeError):
    """Temporary failure (e.g. OCR subprocess timeout); the job may be retried."""

    retryable = True
