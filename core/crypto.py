"""Secrets at rest: values encrypted with a key from the settings (Fernet, AES-128-CBC + HMAC).

`FIELD_ENCRYPTION_KEYS` is a list: the first key encrypts, every key decrypts. Rotating means
putting a new key first, running `manage.py rotate_encryption_keys` (re-encrypts every stored
value with the new key) and then dropping the old key from the list.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

__all__ = ["InvalidToken", "decrypt", "encrypt", "is_encrypted", "rotate"]


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty (see .env.example).")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "Every FIELD_ENCRYPTION_KEYS entry must be a Fernet key: 32 url-safe base64-encoded "
            "bytes, e.g. from `python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`."
        ) from exc


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: object) -> None:
    if setting == "FIELD_ENCRYPTION_KEYS":
        _fernet.cache_clear()


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """The clear text; InvalidToken if `token` was not made by one of the configured keys."""
    return _fernet().decrypt(token.encode()).decode()


def is_encrypted(value: str) -> bool:
    try:
        decrypt(value)
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str:
    """The same clear text, encrypted with the first (newest) key."""
    return _fernet().rotate(token.encode()).decode()
