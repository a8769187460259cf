"""What the attachment routes of the pages and the API share: the store, reading the upload,
the download response and the words for a file too large for the request itself."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, request

from engine.attachments import AttachmentStore, Upload
from engine.errors import InvalidData
from engine.models import Attachment

from .config import app_settings
from .i18n import _

# The routes that take an upload; a request over MAX_CONTENT_LENGTH there gets the limit's
# words (webui/errors/handlers.py) instead of the bare "too large".
UPLOAD_ENDPOINTS = frozenset({"api.upload_attachment", "instances.upload_attachment"})


def attachment_store() -> AttachmentStore:
    """The store under the app's var folder."""
    return AttachmentStore.for_settings(app_settings())


def max_bytes() -> int:
    """The largest attachment the app keeps."""
    return app_settings().attachment_max_bytes


def too_large_message() -> str:
    """'The file is larger than 20 MB.' in the reader's language."""
    return _("The file is larger than {limit} MB.", limit=app_settings().attachment_max_mb)


def uploaded_file() -> Upload:
    """The multipart field `file` of the request (422 when there is none)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidData(_("Choose a file to attach."), {"file": "missing"})
    return Upload(upload.filename, upload.read(max_bytes() + 1))


def task_field() -> int | None:
    """The optional `task_id` form field (422 when it is not a number)."""
    raw = (request.form.get("task_id") or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidData(_("That task is not one of this instance's."),
                          {"task_id": "not a number"})
    return int(raw)


def download(attachment: Attachment, data: bytes) -> Response:
    """The file as a download, never shown inline: its media type, nosniff, and its name
    (RFC 6266 / RFC 5987: an ASCII fallback and the UTF-8 `filename*`)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;%' else "_"
                       for c in attachment.name)
    encoded = quote(attachment.name, safe="")
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    response = Response(data, mimetype=attachment.media_type)
    response.headers["Content-Disposition"] = disposition
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
