"""Encrypt the TOTP secrets and recovery-code seeds stored in clear before the MFA adapter
encrypted them (security audit, finding 1). Values already encrypted stay as they are."""

from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from contacts.mfa_secrets import transform_secrets
    from core import crypto

    def encrypt_once(value: str) -> str:
        return value if crypto.is_encrypted(value) else crypto.encrypt(value)

    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=("totp", "recovery_codes")):
        data = transform_secrets(authenticator.type, authenticator.data, encrypt_once)
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0004_invitation_project"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_existing, migrations.RunPython.noop)]
