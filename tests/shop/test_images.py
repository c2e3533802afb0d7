import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shop.images import RENDITIONS, make_renditions, verify_image
from tests.factories import image_file

GPS_IFD = 0x8825


def _jpeg_with_gps() -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif.get_ifd(GPS_IFD)[2] = (6.0, 10.0, 30.0)  # GPSLatitude
    return image_file("holiday.jpg", size=(80, 40), exif=exif.tobytes())


def test_a_jpeg_is_re_encoded_without_exif_and_turned_upright():
    # given a photo carrying GPS data and an orientation flag
    upload = _jpeg_with_gps()
    # when
    clean = verify_image(upload)
    # then
    with Image.open(io.BytesIO(clean.read())) as image:
        assert image.format == "JPEG"
        assert not image.getexif(), "no EXIF may survive"
        assert image.size == (40, 80), "rotated by its EXIF orientation"
    assert clean.name.endswith(".jpg") and clean.name != "holiday.jpg"


@pytest.mark.parametrize("fmt,ext", [("PNG", "png"), ("WEBP", "webp")])
def test_png_and_webp_are_accepted(fmt, ext):
    clean = verify_image(image_file(f"x.{ext}", fmt=fmt))
    assert clean.name.endswith(f".{ext}")
    assert clean.content_type == f"image/{ext}"


def test_html_appended_to_a_png_is_dropped():
    # given a valid PNG with an HTML payload after it (passes Pillow's verify())
    png = image_file("x.png", fmt="PNG").read() + b"<script>alert(1)</script>"
    # when
    clean = verify_image(SimpleUploadedFile("x.png", png))
    # then
    assert b"<script>" not in clean.read()


@pytest.mark.parametrize(
    "content",
    [
        b"<html><body><script>alert(1)</script></body></html>",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"",
        b"\xff\xd8\xff\xe0 truncated jpeg",
    ],
    ids=["html", "svg", "empty", "truncated"],
)
def test_a_file_that_is_not_an_image_named_jpg_is_refused(content):
    with pytest.raises(ValidationError) as error:
        verify_image(SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg"))
    assert error.value.code == "invalid_image"
    assert "JPEG, PNG or WebP" in error.value.messages[0]


def test_a_gif_is_refused_because_only_jpeg_png_and_webp_are_allowed():
    with pytest.raises(ValidationError) as error:
        verify_image(image_file("anim.gif", fmt="GIF"))
    assert error.value.code == "invalid_image"


def test_an_image_over_40_megapixels_is_refused():
    # given a real 8000x6000 PNG (48 MP, a few hundred KB on disk)
    buffer = io.BytesIO()
    Image.new("L", (8000, 6000)).save(buffer, format="PNG")
    # when / then
    with pytest.raises(ValidationError) as error:
        verify_image(SimpleUploadedFile("big.png", buffer.getvalue()))
    assert error.value.code == "image_too_many_pixels"


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    # given a real PNG of 20000x20000 one-bit pixels: 400 MP, well over Pillow's own bomb limit
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) < 1_000_000
    # when / then
    with pytest.raises(ValidationError) as error:
        verify_image(SimpleUploadedFile("bomb.png", buffer.getvalue()))
    assert error.value.code == "image_too_many_pixels"


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 1000
    upload = SimpleUploadedFile("noise.png", b"\x89PNG" + b"0" * 2000)
    with pytest.raises(ValidationError) as error:
        verify_image(upload)
    assert error.value.code == "image_too_large"


def test_renditions_are_made_in_every_size():
    # given a large verified image
    clean = verify_image(image_file("big.jpg", size=(2400, 1600)))
    # when
    renditions = make_renditions(clean)
    # then
    assert set(renditions) == {r.name for r in RENDITIONS}
    for rendition in RENDITIONS:
        name, data = renditions[rendition.name]
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == rendition.format
            assert max(image.size) == rendition.max_side
