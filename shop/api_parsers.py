"""The API's request parsers: DRF's, refusing what would otherwise end in a 500.

A JSON body nested thousands of levels deep (``RecursionError``) and a NUL character in any
string, key or form field (PostgreSQL refuses NUL in text, even in a comparison) are a 400
here, once, for every endpoint: serializers, filters and lookups then never see them.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from shop import safe_json
from shop.middleware import has_nul

NUL_MESSAGE = _("Text cannot contain NUL characters.")


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return safe_json.loads(stream.read().decode(encoding))
        except UnicodeDecodeError:
            raise ParseError(_("The body is not valid %(encoding)s text.") % {"encoding": encoding})
        except safe_json.UnsafeJSONError as exc:
            raise ParseError(str(exc))


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if has_nul(data):
            raise ParseError(NUL_MESSAGE)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        if has_nul(result.data) or any("\x00" in str(upload.name) for upload in result.files.values()):
            raise ParseError(NUL_MESSAGE)
        return result
