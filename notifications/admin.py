from django.contrib import admin

from core.admin import ReadOnlyLogAdmin

from .models import Digest, Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyLogAdmin):
    """The outbox, for ITD to look into; failed mails are retried on /notifications/failed/."""

    list_display = ("created_at", "kind", "recipient", "email", "mail_status", "attempts")
    list_filter = ("kind", "mail_status", "channel")
    search_fields = ("email", "title")
    list_select_related = ("recipient",)
    # The mail itself may carry a secret link: never shown.
    exclude = ("mail_text", "mail_html")


@admin.register(Digest)
class DigestAdmin(ReadOnlyLogAdmin):
    list_display = ("created_at", "period", "recipient", "mail_status", "attempts")
    list_filter = ("period", "mail_status")
    list_select_related = ("recipient",)
