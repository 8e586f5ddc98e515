"""Re-encrypt every stored secret with the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old one after it), restart,
run this command, then remove the old key.
"""

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand
from django.db import transaction

from contacts.mfa_secrets import SECRET_KEYS, transform_secrets
from core import crypto


class Command(BaseCommand):
    help = "Re-encrypt the stored second-factor secrets with the newest FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args, **options) -> None:
        count = 0
        with transaction.atomic():
            rows = Authenticator.objects.select_for_update().filter(type__in=list(SECRET_KEYS))
            for authenticator in rows:
                authenticator.data = transform_secrets(
                    authenticator.type, authenticator.data, crypto.rotate
                )
                authenticator.save(update_fields=["data"])
                count += 1
        self.stdout.write(f"{count} authenticator(s) re-encrypted with the newest key.")
