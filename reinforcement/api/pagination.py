"""Page-number pagination whose ``?page=`` is what the schema says: an integer >= 1.

DRF's reads an empty ``?page=`` as page 1 and takes ``?page=last``; here
either is a 400 ``invalid`` naming ``page``, and a page past the last stays
DRF's 404.
"""

from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    last_page_strings = ()

    def get_page_number(self, request, paginator) -> int:
        value = request.query_params.get(self.page_query_param)
        if value is None:
            return 1
        if not (value.isascii() and value.isdigit() and int(value) >= 1):
            raise ValidationError(
                {self.page_query_param: [_("Send a page number from 1.")]}
            )
        return int(value)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters
