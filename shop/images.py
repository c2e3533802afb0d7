"""Verified image uploads and renditions, shared by every app that accepts pictures.

An upload is never stored as sent: it is opened with Pillow restricted to the allowed
formats, its size and pixel count are checked *before* decoding, it is decoded fully,
turned upright by its EXIF orientation and re-encoded without any metadata (EXIF
carries GPS positions). Re-encoding also drops whatever was appended to the file
(an HTML payload after a valid PNG passes ``verify()``).
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from shop import stencil

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class Rendition:
    name: str
    max_side: int
    format: str


RENDITIONS = (
    Rendition("thumbnail", 320, "JPEG"),
    Rendition("display", 1080, "JPEG"),
    Rendition("webp", 1080, "WEBP"),
)


def _file_size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        position = upload.tell()
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
        upload.seek(position)
    return size


def verify_image(upload) -> SimpleUploadedFile:
    """Check an uploaded image and return a clean, re-encoded copy of it.

    Raises ``ValidationError`` with a message a person can act on.
    """
    max_bytes = settings.IMAGE_UPLOAD_MAX_BYTES
    max_pixels = settings.IMAGE_UPLOAD_MAX_PIXELS
    if _file_size(upload) > max_bytes:
        raise ValidationError(
            _("The image is too large: at most %(mb)d MB.") % {"mb": max_bytes // (1024 * 1024)},
            code="image_too_large",
        )
    allowed = list(settings.IMAGE_UPLOAD_FORMATS)
    not_an_image = ValidationError(
        _("This file is not a JPEG, PNG or WebP image. Please upload a photo in one of those formats."),
        code="invalid_image",
    )
    upload.seek(0)
    data = upload.read()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=allowed) as probe:
                width, height = probe.size
                if width * height > max_pixels:
                    raise ValidationError(
                        _("The image has too many pixels (%(w)d × %(h)d): at most %(mp)d megapixels.")
                        % {"w": width, "h": height, "mp": max_pixels // 1_000_000},
                        code="image_too_many_pixels",
                    )
                probe.verify()
            with Image.open(io.BytesIO(data), formats=allowed) as image:
                image_format = image.format
                image.load()
                clean = ImageOps.exif_transpose(image)
                content = _encode(clean, image_format)
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ValidationError(
                _("The image has too many pixels: at most %(mp)d megapixels.") % {"mp": max_pixels // 1_000_000},
                code="image_too_many_pixels",
            ) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise not_an_image from exc
    name = f"{uuid.uuid4().hex}.{EXTENSIONS[image_format]}"
    return SimpleUploadedFile(name, content, content_type=CONTENT_TYPES[image_format])


def _encode(image: Image.Image, image_format: str, max_side: int | None = None) -> bytes:
    """Encode ``image`` in ``image_format`` with no metadata, optionally shrunk to ``max_side``."""
    if max_side and max(image.size) > max_side:
        image = image.copy()
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = _flatten(image)
    elif image_format == "PNG" and image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    elif image_format == "WEBP" and image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() or image.mode == "P" else "RGB")
    out = io.BytesIO()
    options: dict = {}
    if image_format == "JPEG":
        options = {"quality": 85, "optimize": True, "progressive": True}
    elif image_format == "WEBP":
        options = {"quality": 80, "method": 2}
    elif image_format == "PNG":
        options = {"optimize": True}
    # No exif=, no icc_profile=, no pnginfo=: nothing of the original's metadata is written.
    image.save(out, format=image_format, **options)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def make_renditions(source) -> dict[str, tuple[str, bytes]]:
    """Render every size in ``RENDITIONS`` from an already verified image file.

    Returns ``{name: (file_name, bytes)}``.
    """
    source.seek(0)
    with Image.open(source, formats=list(settings.IMAGE_UPLOAD_FORMATS)) as image:
        image.load()
        result = {}
        stem = uuid.uuid4().hex
        for rendition in RENDITIONS:
            data = _encode(image, rendition.format, rendition.max_side)
            result[rendition.name] = (f"{stem}-{rendition.name}.{EXTENSIONS[rendition.format]}", data)
    return result


def fill_renditions(model, pk) -> bool:
    """Make the renditions of one ``RenditionedImage`` row, once.

    Idempotent: an image whose renditions match its current file is left alone, and a
    row whose file changed meanwhile is not overwritten. Returns whether anything was made.
    """
    from django.core.files.base import ContentFile

    row = model._default_manager.filter(pk=pk).first()
    if row is None or not row.image or row.renditions_ready:
        return False
    source_name = row.image.name
    with row.image.open("rb") as source:
        renditions = make_renditions(source)
    old = [f.name for f in (row.thumbnail, row.display, row.webp) if f]
    for field, (file_name, data) in renditions.items():
        getattr(row, field).save(file_name, ContentFile(data), save=False)
    # Only if the file is unchanged and no other run (a task handed over twice) stored its own.
    updated = (
        model._default_manager.filter(pk=pk, image=source_name)
        .exclude(renditions_source=source_name)
        .update(
            thumbnail=row.thumbnail.name, display=row.display.name, webp=row.webp.name, renditions_source=source_name
        )
    )
    if updated:
        stencil.updated(model)  # the pages that show it show its renditions now
    storage = row.image.storage
    for name in old if updated else [row.thumbnail.name, row.display.name, row.webp.name]:
        storage.delete(name)
    return bool(updated)


def pending_renditions(model, *, since, until):
    """The ``RenditionedImage`` rows of ``model`` stored between ``since`` and ``until`` whose
    renditions are not made (for their current file): their task may have been lost."""
    return (
        model._default_manager.filter(uploaded_at__gte=since, uploaded_at__lt=until)
        .exclude(image="")
        .exclude(renditions_source=F("image"))
    )
