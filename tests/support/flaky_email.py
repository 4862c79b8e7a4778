"""An email backend that fails once while a marker file exists, then writes files.

Used to test retried delivery in real worker processes: the outbound channel is
the only thing simulated. Removing the marker is the atomic step, so with
several workers exactly one send fails.
"""

import os
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


class FailOnceFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        try:
            Path(os.environ["EMAIL_FAIL_ONCE_MARKER"]).unlink()
        except FileNotFoundError:
            return super().send_messages(email_messages)
        raise ConnectionRefusedError("simulated SMTP outage")
