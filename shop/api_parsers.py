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
from shop.middleware import has_nul, nul_fields

NUL_MESSAGE = safe_json.NUL_MESSAGE


def refuse_nul(querydict) -> None:
    """A 400 naming the fields whose values hold a NUL (as DRF's text fields would)."""
    if has_nul(querydict):
        fields = nul_fields(querydict)
        raise ParseError({field: [NUL_MESSAGE] for field in fields} if fields else NUL_MESSAGE)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return safe_json.loads(stream.read().decode(encoding))
        except UnicodeDecodeError:
            raise ParseError(_("The body is not valid %(encoding)s text.") % {"encoding": encoding})
        except safe_json.NulCharacterError as exc:
            raise ParseError({exc.field: [NUL_MESSAGE]} if exc.field else NUL_MESSAGE)
        except safe_json.UnsafeJSONError as exc:
            raise ParseError(str(exc))


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        refuse_nul(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        refuse_nul(result.data)
        if any("\x00" in str(upload.name) for upload in result.files.values()):
            raise ParseError(NUL_MESSAGE)
        return result
