"""Uploaded files are kept in memory, never in a temporary file, and capped in size.

Django's default handlers spool a file over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary
file in clear; an import file holds personnummer, which are stored only encrypted. This
handler keeps every file in memory (the views then encrypt it, or check it, from there) and
refuses a request over FINSAM_UPLOAD_MAX_BYTES plus a margin for the form's other fields
before reading it, and files over that while they stream in: UploadTooLarge, answered by
the Swedish "Filen är för stor" page (finsam/urls.py, handler400) with status 413. A file
just over the limit reaches the form (UploadForm, the one form of every import kind),
which says so next to the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import MemoryFileUploadHandler

from .forms import StyledFormMixin, form_field

# The form fields and multipart headers sent along with the file.
FORM_MARGIN = 1024 * 1024


class UploadTooLarge(RequestDataTooBig):
    pass


def request_cap() -> int:
    return settings.FINSAM_UPLOAD_MAX_BYTES + FORM_MARGIN


class MemoryOnlyUploadHandler(MemoryFileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length is not None and content_length > request_cap():
            raise UploadTooLarge("request body over FINSAM_UPLOAD_MAX_BYTES")
        self.activated = True
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        # The sum over every file of the request, whatever its Content-Length said.
        self.received += len(raw_data)
        if self.received > request_cap():
            raise UploadTooLarge("uploaded files over FINSAM_UPLOAD_MAX_BYTES")
        self.file.write(raw_data)


MB = 1024 * 1024
SUFFIXES = {".csv", ".txt", ".xlsx"}


class UploadForm(StyledFormMixin, forms.Form):
    """The one form for an import file of any kind: which kind, and the file itself
    (CSV or XLSX, at most FINSAM_UPLOAD_MAX_BYTES)."""

    kind = forms.ChoiceField(label="Vad innehåller filen?", widget=forms.RadioSelect)
    fil = forms.FileField(
        label="Fil",
        error_messages={
            "required": "Välj en fil att ladda upp.",
            "empty": "Filen är tom.",
            "invalid": "Välj en fil att ladda upp.",
        },
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "kind", forms.ChoiceField).choices = kinds
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0][0]
        self.fields["fil"].help_text = (
            f"CSV (UTF-8, semikolon eller komma) eller Excel (.xlsx), högst "
            f"{self.max_bytes() // MB} MB, med kolumnnamnen i första raden."
        )

    @staticmethod
    def max_bytes() -> int:
        return settings.FINSAM_UPLOAD_MAX_BYTES

    def clean_fil(self) -> Any:
        fil = self.cleaned_data["fil"]
        if Path(fil.name).suffix.lower() not in SUFFIXES:
            raise forms.ValidationError(
                "Filen ska vara en CSV-fil (.csv) eller en Excel-fil (.xlsx)."
            )
        if fil.size > self.max_bytes():
            raise forms.ValidationError(
                f"Filen är för stor (högst {self.max_bytes() // MB} MB). Dela upp den i flera filer."
            )
        return fil
