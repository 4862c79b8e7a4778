"""What other apps hear about people and content, without enablement importing them.

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

# Content lifecycle, sent inside question_save's and question_retire's
# transaction (reinforcement withdraws prompts and resets memory in the same
# commit). kwargs: question_id, at (datetime)
question_retired = Signal()
# A published question's content changed; kwargs: question_id, version (the
# new one), change (Question.Change: "minor" keeps memory, "major" resets it), at
question_revised = Signal()
# Plans follow changes (docs/planning.md, "Re-planning"). Saves and deletes of
# enrollments, rep profiles, questions and organizations are heard by
# reinforcement from Django's own model signals; a write that bypasses save()
# (a queryset update) sends this instead. kwargs: scope ("rep", "team",
# "module" or "organization"), ids (of that scope).
plans_affected = Signal()
# "Plan today now" from admin. kwargs: rep_ids. Its receiver returns
# (reps with a plan, questions planned).
plan_today_requested = Signal()
