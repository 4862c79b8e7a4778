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


class FaultPointFileBackend(EmailBackend):
    """Writes files, with the fault points `email_send` and `email_sent` around it.

    `email_send` is before the message is written (a crash there sends
    nothing), `email_sent` right after (a crash there is the window between
    the external send and the commit that records it).
    """

    def send_messages(self, email_messages):
        from tests.support.faults import fault_point

        fault_point("email_send")
        sent = super().send_messages(email_messages)
        fault_point("email_sent")
        return sent
