"""Authenticated encryption at rest (Fernet) with the keys of FINSAM_PNR_KEYS.

The keys come from the environment, newest first, so they can be rotated: a token made
with an older key still decrypts. Used for personnummer (deltagare.pnr) and for whole
uploaded files, which may hold personnummer (the import jobs).
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FINSAM_PNR_KEYS är inte satt.")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FINSAM_PNR_KEYS))


def encrypt_bytes(data: bytes) -> bytes:
    """Authenticated encryption of a whole file (an upload holding personnummer)."""
    return fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return fernet().decrypt(token)
