"""An email backend that fails once while a marker file exists, then writes files.

Used to test retried delivery in a real worker process: the outbound channel is
the only thing simulated.
"""

import os
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


class FailOnceFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        marker = Path(os.environ["EMAIL_FAIL_ONCE_MARKER"])
        if marker.exists():
            marker.unlink()
            raise ConnectionRefusedError("simulated SMTP outage")
        return super().send_messages(email_messages)
