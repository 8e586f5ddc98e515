"""The e-mail backend of development (`make run`, DEBUG): every mail to the console and, one
`.eml` file per mail, to EMAIL_FILE_PATH (default `var/mail/`), which any mail program opens.

LOCAL_MAIL_REFUSE names addresses (or `*` for all) this backend refuses as a mail server would
(SMTP 550): the outbox then retries and finally lists the notice for ITD at
`/notifications/failed/`, so that path can be tried without a mail server.
"""

from __future__ import annotations

import smtplib
import sys
import threading
import uuid
from collections.abc import Sequence
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone


class LocalMailBackend(BaseEmailBackend):
    """Console and folder; refuses the addresses of LOCAL_MAIL_REFUSE."""

    def __init__(
        self,
        *args: Any,
        file_path: str | None = None,
        stream: TextIO | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.folder = Path(file_path or settings.EMAIL_FILE_PATH)
        # The process's own output, not sys.stdout: a Celery worker replaces that with a logger
        # that would mark every line of a mail as a warning.
        self.stream = stream or sys.__stdout__ or sys.stdout
        self._lock = threading.RLock()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        with self._lock:
            for message in email_messages:
                if not message.recipients():
                    continue
                refused = self._refused(message.recipients())
                if refused:
                    if self.fail_silently:
                        continue
                    raise smtplib.SMTPRecipientsRefused(
                        dict.fromkeys(refused, (550, b"refused by LOCAL_MAIL_REFUSE"))
                    )
                path = self._write(message)
                self._print(message, path)
                sent += 1
        return sent

    def _refused(self, recipients: list[str]) -> list[str]:
        refuse = {address.lower() for address in settings.LOCAL_MAIL_REFUSE}
        if "*" in refuse:
            return list(recipients)
        return [address for address in recipients if address.lower() in refuse]

    def _write(self, message: EmailMessage) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.localtime().strftime("%Y-%m-%d_%H-%M-%S")
        path = self.folder / f"{stamp}_{uuid.uuid4().hex[:8]}.eml"
        # Written whole, then renamed: a reader of the folder never sees half a mail.
        partial = path.with_suffix(".part")
        partial.write_bytes(message.message().as_bytes(linesep="\r\n"))
        partial.replace(path)
        return path

    def _print(self, message: EmailMessage, path: Path) -> None:
        """Headers and the plain text as a person reads them (not quoted-printable)."""
        parsed = BytesParser(policy=policy.default).parsebytes(message.message().as_bytes())
        body = parsed.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        rule = "-" * 72
        self.stream.write(
            f"{rule}\n"
            f"E-Mail an {', '.join(message.recipients())}: {message.subject}\n"
            f"Datei: {path}\n\n"
            f"{text.rstrip()}\n"
            f"{rule}\n"
        )
        self.stream.flush()
