"""A deactivated account's tokens are revoked at once, for a tidy list and log.

Not what keeps them from working: `tokens.services.token_authenticate` checks the owner's
`is_active` (and an invitation-bound account's running access) at every use, so a token stops
the moment its owner is deactivated, whatever path changed the flag (even a raw UPDATE that
sends no signal). Deleting an account removes its tokens (CASCADE); anonymising it deletes them
(tokens.privacy). A reactivated account does not get its tokens back: it makes new ones.
"""

from __future__ import annotations

from typing import Any

from core.audiences import Actor

from .services import tokens_revoke_of


def revoke_tokens_of_deactivated_account(
    sender: Any, instance: Actor, created: bool = False, **kwargs: Any
) -> None:
    if created or instance.is_active:
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "is_active" not in update_fields:
        return
    tokens_revoke_of(user=instance, reason="account_disabled")
