"""What other apps hear about a person's lifecycle, without enablement importing them.

Sent inside the people service's transaction, so what a receiver writes
(reinforcement withdraws the open prompts of a person who left) commits or
rolls back with the deactivation itself.
"""

from django.dispatch import Signal

# kwargs: membership (enablement.models.Membership), at (datetime)
person_deactivated = Signal()
# kwargs: membership
person_reactivated = Signal()
# kwargs: user (their identity is being removed: forget what links to it)
person_erased = Signal()
