"""What godkann_ar and oppna_ar share: finding the förbund, and a Swedish error with exit 1."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NoReturn

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from forbund.models import Forbund
from forbund.validators import normalize_organisationsnummer


def _fail(command: BaseCommand, message: str) -> NoReturn:
    command.stderr.write(message)
    sys.exit(1)


def forbund_or_exit(command: BaseCommand, orgnr: str) -> Forbund:
    try:
        orgnr = normalize_organisationsnummer(orgnr)
    except ValidationError as error:
        _fail(command, error.messages[0])
    found = Forbund.objects.filter(organisationsnummer=orgnr).first()
    if found is None:
        _fail(command, f"Det finns inget förbund med organisationsnumret {orgnr}.")
    return found


def run[T](command: BaseCommand, action: Callable[[], T]) -> T:
    try:
        return action()
    except ValidationError as error:
        _fail(command, " ".join(error.messages))
