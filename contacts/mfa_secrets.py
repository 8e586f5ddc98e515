"""Where allauth's authenticators keep secrets, for encrypting old rows and rotating keys.

The MFA adapter (contacts.adapters.MFAAdapter) encrypts and decrypts these values; this module
only knows which values of an authenticator's `data` are secret.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Authenticator.type -> keys of `data` holding a secret string or a list of secret strings.
SECRET_KEYS: dict[str, tuple[str, ...]] = {
    "totp": ("secret",),
    "recovery_codes": ("seed", "migrated_codes"),
}


def transform_secrets(kind: str, data: dict[str, Any], fn: Callable[[str], str]) -> dict[str, Any]:
    """A copy of `data` with `fn` applied to every secret value of an authenticator of `kind`."""
    result = dict(data)
    for key in SECRET_KEYS.get(kind, ()):
        value = result.get(key)
        if isinstance(value, str):
            result[key] = fn(value)
        elif isinstance(value, list):
            result[key] = [fn(v) for v in value]
    return result
