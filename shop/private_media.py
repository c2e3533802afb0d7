"""Private uploads (a buyer's proof of transfer, ...): stored apart from the public media,
never given a public URL, and served only by a view that has checked who is asking.

Public media (product and post pictures, store logos) stays under ``MEDIA_ROOT`` and
``MEDIA_URL``, served by the web server. Private files live in the ``"private"`` storage of
``STORAGES`` (by default ``PRIVATE_MEDIA_ROOT``, outside the public root; a private bucket in
production if configured so). A model field opts in with ``storage=private_storage``.

Serving: the app's view decides who may see a file, then ``serve_private_file`` answers it.
Django streams the file itself by default; with ``PRIVATE_MEDIA_SERVER`` set, it answers only
a header and the web server sends the bytes (see the README):

- ``x-accel-redirect`` (nginx): ``X-Accel-Redirect: <PRIVATE_MEDIA_INTERNAL_URL><name>``, to an
  ``internal`` location aliased to ``PRIVATE_MEDIA_ROOT``;
- ``x-sendfile`` (Apache mod_xsendfile, lighttpd): ``X-Sendfile: <absolute path>``.
"""

from __future__ import annotations

import mimetypes
import os
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse

SERVERS = ("django", "x-accel-redirect", "x-sendfile")


class PrivateFileSystemStorage(FileSystemStorage):
    """Files under ``PRIVATE_MEDIA_ROOT``. They have no URL: a page links to the view that
    checks permission, so ``url()`` refuses rather than hand out a public address."""

    def __init__(self, location=None, **kwargs):
        kwargs["base_url"] = None
        super().__init__(location=location, **kwargs)
        self.explicit_location = location

    # Read on each use rather than cached, so a changed PRIVATE_MEDIA_ROOT (the tests' own
    # directory) is followed without hooking into the parent's cache clearing.
    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT if self.explicit_location is None else self.explicit_location

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("A private file has no public URL: link to the view that serves it.")


def private_storage() -> Storage:
    """The storage of private uploads (for a model field's ``storage=``)."""
    return storages["private"]


def serve_private_file(file: FieldFile) -> HttpResponse:
    """``file`` as the answer to a request the caller has already allowed. Never cached by a
    shared cache; shown inline, typed by its name, never sniffed."""
    if not file:
        raise Http404("No such file.")
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    server = settings.PRIVATE_MEDIA_SERVER
    if server == "x-accel-redirect":
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.PRIVATE_MEDIA_INTERNAL_URL + quote(file.name)
    elif server == "x-sendfile":
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = file.path
    else:
        try:
            handle = file.storage.open(file.name, "rb")
        except FileNotFoundError:
            raise Http404("No such file.") from None
        response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


def move_file(name: str, *, source: Storage, target: Storage) -> str:
    """Move the file ``name`` from ``source`` to ``target`` (used by data migrations that make
    an upload private). Returns its name in ``target`` (the same unless taken there), or
    ``name`` unchanged when ``source`` does not hold it (already moved, or lost)."""
    if not name or not source.exists(name):
        return name
    if target.exists(name) and target.size(name) == source.size(name):
        new_name = name  # a run interrupted after copying: the copy is there already
    else:
        with source.open(name, "rb") as handle:
            new_name = target.save(name, handle)
    source.delete(name)
    return new_name
