"""The upload form, and the upload handler that stops storing an oversized file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from edugov.imports.reading import SUFFIXES
from edugov.registry.models import AcademicYear


class CappedUpload(FileUploadHandler):
    """Discards an upload once it passes ``EDUGOV_IMPORT_MAX_BYTES`` instead of storing it."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = settings.EDUGOV_IMPORT_MAX_BYTES
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.import_upload_too_large = True  # type: ignore[union-attr]
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def too_large_message() -> str:
    return str(_("文件超过上传大小上限（%(limit)s）")) % {
        "limit": filesizeformat(settings.EDUGOV_IMPORT_MAX_BYTES)}


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件"),
                           help_text=_("支持 .xlsx、.xls 或 .csv（UTF-8 或 GB18030 编码）"))
    year = forms.ModelChoiceField(queryset=AcademicYear.objects.all(), required=False,
                                  label=_("学年"), empty_label=_("当前学年"))

    def __init__(self, *args: Any, needs_year: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not needs_year:
            del self.fields["year"]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.EDUGOV_IMPORT_MAX_BYTES:
            raise forms.ValidationError(too_large_message())
        if Path(upload.name or "").suffix.lower() not in SUFFIXES:
            raise forms.ValidationError(_("仅支持 .xlsx、.xls 或 .csv 文件"))
        return upload
