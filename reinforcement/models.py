"""Memory and measurement: what each rep remembers, what was asked, what was answered."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enablement.models import Organization, Question, TimestampedModel, Topic


def rep_key(*, related_name: str = "+") -> models.ForeignKey:
    """The rep a row belongs to.

    Every table here keyed by rep has a unique constraint or index that starts
    with rep (a test checks), so the key skips Django's own single-column
    index: it would only cost the hot write paths (answering, planning) an
    index update.
    """
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name=related_name,
        db_index=False,
    )


class MemoryState(TimestampedModel):
    """FSRS-6 memory of one rep for one question (one row per pair)."""

    class State(models.TextChoices):
        NEW = "new", _("New")
        REVIEW = "review", _("Review")
        RELEARNING = "relearning", _("Relearning")

    rep = rep_key(related_name="memory_states")
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="memory_states"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.NEW)
    stability = models.FloatField(null=True, blank=True, help_text=_("Days."))
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField(null=True, blank=True)
    last_review = models.DateTimeField(null=True, blank=True)
    review_count = models.PositiveIntegerField(default=0)
    lapse_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "question"], name="memory_state_unique_rep_question"
            ),
            models.CheckConstraint(
                condition=Q(state="new", stability__isnull=True)
                | (~Q(state="new") & Q(stability__gt=0, last_review__isnull=False)),
                name="memory_state_new_xor_reviewed",
            ),
        ]
        indexes = [models.Index(fields=["rep", "due"], name="memory_state_rep_due")]

    def __str__(self) -> str:
        return f"{self.rep_id}/{self.question_id}: {self.state}"


class DailyPlan(TimestampedModel):
    """The dose planned for one rep on one local day: at most one, by constraint."""

    rep = rep_key(related_name="daily_plans")
    local_date = models.DateField()
    planned_at = models.DateTimeField()
    prompt_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-local_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "local_date"], name="daily_plan_unique_rep_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rep_id} {self.local_date}"


class PromptTrigger(TimestampedModel):
    """Why a set of prompts was put in front of a rep outside the daily dose.

    Another app (revenue: a deal entered a stage) asks for a refresher and
    names it; the label is shown with the prompts ("Refresher for Acme
    (entered Discovery)"), the reference is the asker's own key, unique, so a
    repeated request makes nothing new. Delivered through the outbox like a
    plan (a Delivery row per channel).
    """

    rep = rep_key(related_name="prompt_triggers")
    label = models.CharField(max_length=255)
    reference = models.CharField(max_length=120, unique=True)
    local_date = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["rep", "local_date"], name="prompt_trigger_rep_day")
        ]

    def __str__(self) -> str:
        return self.label


class Prompt(TimestampedModel):
    """One question put in front of one rep on one day."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DELIVERED = "delivered", _("Delivered")
        ANSWERED = "answered", _("Answered")
        EXPIRED = "expired", _("Expired")
        # Taken back unanswered (the rep left, the question was retired):
        # neither answered nor missed, and no longer shown.
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        DAILY = "daily", _("Daily dose")
        REFRESHER = "refresher", _("Just-in-time refresher")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    rep = rep_key(related_name="prompts")
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="prompts"
    )
    plan = models.ForeignKey(
        DailyPlan,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="prompts",
    )
    # Set on a refresher another app asked for (a deal's stage entry).
    trigger = models.ForeignKey(
        PromptTrigger,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="prompts",
    )
    source = models.CharField(
        max_length=12, choices=Source.choices, default=Source.DAILY
    )
    local_date = models.DateField()
    position = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    predicted_recall = models.FloatField(
        null=True, blank=True, help_text=_("At planning; empty for a new question.")
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["local_date", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "question", "local_date"],
                name="prompt_unique_question_per_rep_day",
            )
        ]
        indexes = [
            models.Index(fields=["rep", "status"], name="prompt_rep_status"),
            models.Index(fields=["status", "expires_at"], name="prompt_status_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id} for {self.rep_id} on {self.local_date}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PLANNED, self.Status.DELIVERED)


class Answer(models.Model):
    """The append-only review log: one row per answered prompt."""

    class Confidence(models.TextChoices):
        GUESS = "guess", _("Guess")
        FAIRLY_SURE = "fairly_sure", _("Fairly sure")
        CERTAIN = "certain", _("Certain")

    class Channel(models.TextChoices):
        """Where the rep answered: every channel calls the same answer_submit."""

        WEB = "web", _("Web")
        API = "api", _("API (mobile)")
        SLACK = "slack", _("Slack")
        TEAMS = "teams", _("Microsoft Teams")
        EMAIL = "email", _("Email one-tap")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    prompt = models.OneToOneField(
        Prompt, on_delete=models.PROTECT, related_name="answer"
    )
    rep = rep_key(related_name="answers")
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers"
    )
    question_version = models.PositiveIntegerField()
    # The kind of edit that made that version (Question.version_change).
    question_change = models.CharField(
        max_length=5, choices=Question.Change.choices, blank=True, default=""
    )
    idempotency_key = models.CharField(max_length=64)
    chosen_choice_ids = models.JSONField()
    choice_count = models.PositiveSmallIntegerField(
        help_text=_("k, for the guessing correction.")
    )
    correct = models.BooleanField()
    confidence = models.CharField(max_length=12, choices=Confidence.choices)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField()
    elapsed_days = models.FloatField(null=True, blank=True)
    predicted_recall = models.FloatField(null=True, blank=True)
    stability_before = models.FloatField(null=True, blank=True)
    stability_after = models.FloatField()
    difficulty_after = models.FloatField()
    on_time = models.BooleanField()
    client_answered_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(db_index=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, default="web")

    class Meta:
        ordering = ["answered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "idempotency_key"], name="answer_unique_idempotency_key"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=4), name="answer_rating_range"
            ),
        ]
        indexes = [models.Index(fields=["rep", "answered_at"], name="answer_rep_time")]

    def __str__(self) -> str:
        return (
            f"{self.rep_id} {self.question_id} {'right' if self.correct else 'wrong'}"
        )


class Delivery(TimestampedModel):
    """One channel's send of one day's plan: the outbox row (docs/reliability.md).

    Written with the plan in one transaction; a task sends it under its row
    lock and marks it sent in that same transaction, and the sweeper re-drives
    pending rows whose next attempt is due. The unique key makes one row per
    plan and channel.
    """

    class Channel(models.TextChoices):
        INBOX = "inbox", _("In-app inbox")
        EMAIL = "email", _("Email")
        SLACK = "slack", _("Slack")
        PUSH = "push", _("Web Push")
        TEAMS = "teams", _("Microsoft Teams")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # Not to be sent: the rep left, or every prompt of the plan was withdrawn.
        CANCELED = "canceled", _("Canceled")

    # A day's plan, or (exactly one of the two) a triggered refresher.
    plan = models.ForeignKey(
        DailyPlan,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    trigger = models.ForeignKey(
        PromptTrigger,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,  # the unique (trigger, channel) serves it
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text=_("Sends started, including those whose task died.")
    )
    next_attempt_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "When the sweeper may enqueue this delivery again if still pending: "
            "the grace period after planning, a running task's lease, or the "
            "backoff after a failure."
        ),
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "channel"], name="delivery_unique_plan_channel"
            ),
            models.UniqueConstraint(
                fields=["trigger", "channel"], name="delivery_unique_trigger_channel"
            ),
            models.CheckConstraint(
                condition=Q(plan__isnull=False, trigger__isnull=True)
                | Q(plan__isnull=True, trigger__isnull=False),
                name="delivery_plan_xor_trigger",
            ),
        ]
        # The sweeper's query: pending rows whose next attempt is due. Sent
        # rows, nearly all of them, stay out of the index.
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_pending_due",
                condition=Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan or self.trigger} via {self.channel}: {self.status}"


class MemoryModelFit(models.Model):
    """One refit of FSRS parameters for an organization, adopted or not, with metrics."""

    class Likelihood(models.TextChoices):
        """What the fit maximized (docs/memory.md, "Refitting parameters")."""

        GRADES = "grades", _("Grades (FSRS optimizer, before 2026-12)")
        ANSWERS = "answers", _("Answers, with the chance of a lucky guess")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memory_model_fits"
    )
    fitted_at = models.DateTimeField()
    parameters = models.JSONField(help_text=_("The candidate's 21 FSRS-6 parameters."))
    previous_parameters = models.JSONField()
    adopted = models.BooleanField()
    train_reviews = models.PositiveIntegerField()
    holdout_reviews = models.PositiveIntegerField()
    holdout_from = models.DateTimeField(null=True, blank=True)
    current_log_loss = models.FloatField(null=True, blank=True)
    candidate_log_loss = models.FloatField(null=True, blank=True)
    current_rmse_bins = models.FloatField(null=True, blank=True)
    candidate_rmse_bins = models.FloatField(null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)
    likelihood = models.CharField(
        max_length=8, choices=Likelihood.choices, default=Likelihood.GRADES
    )
    calibration = models.JSONField(
        null=True,
        blank=True,
        help_text=_(
            "The hold-out's reliability bins and log loss of a right answer, for the "
            "model in use after this fit and for the FSRS-6 defaults."
        ),
    )

    class Meta:
        ordering = ["-fitted_at"]
        indexes = [
            models.Index(
                fields=["organization", "adopted", "fitted_at"], name="fit_org_adopted"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.fitted_at:%Y-%m-%d} adopted={self.adopted}"


class RepMemory(models.Model):
    """One rep's forgetting multiplier against their organization's model.

    Fitted nightly after the organization's refit (``memory.rep_memory``):
    1.3 means the rep forgets as if 30% more time had passed than the
    organization's parameters say. No row: the organization's model exactly.
    ``forgetting`` is the multiplier in use: the fit if its hold-out adopted
    it, else 1.0 (the organization's model exactly, with the figures kept).
    """

    rep = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="rep_memory",
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="rep_memories"
    )
    forgetting = models.FloatField(
        help_text=_(
            "How many times as fast as the organization's model the rep forgets "
            "(in use: 1.0 unless adopted)."
        )
    )
    forgetting_low = models.FloatField(help_text=_("90% interval, lower end."))
    forgetting_high = models.FloatField(help_text=_("90% interval, upper end."))
    answers = models.PositiveIntegerField(
        help_text=_("Scored answers the fit rests on (a day or more after the last).")
    )
    fitted_at = models.DateTimeField()
    # The hold-out (memory.rep_memory.rep_forgetting_holdout). Rows from before
    # it were adopted unchecked: default True until the next nightly refit.
    adopted = models.BooleanField(
        default=True,
        help_text=_(
            "The multiplier predicted the rep's later answers at least as well "
            "as the organization's model and its interval excludes 1."
        ),
    )
    fitted_forgetting = models.FloatField(
        null=True, help_text=_("The fit on all the rep's answers, adopted or not.")
    )
    candidate_forgetting = models.FloatField(
        null=True, help_text=_("The fit on the rep's earlier answers only.")
    )
    holdout_answers = models.PositiveIntegerField(
        default=0, help_text=_("The rep's later answers the candidate was scored on.")
    )
    holdout_log_loss = models.FloatField(
        null=True, help_text=_("The candidate's log loss on them.")
    )
    organization_log_loss = models.FloatField(
        null=True, help_text=_("The organization's model's log loss on them.")
    )

    def __str__(self) -> str:
        return f"rep {self.rep_id} forgetting x{self.forgetting:.2f}"


class WorkerHeartbeat(TimestampedModel):
    """Last time a Celery worker ran the heartbeat task; an operator's liveness signal."""

    hostname = models.CharField(max_length=255, unique=True)
    beats = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.hostname


# KPI rollups -------------------------------------------------------------------
# Precomputed analytics in the manner of Zulip's analytics app: the answer
# service folds each answer into these rows in its own transaction, Celery
# refreshes the rest, and every KPI page reads only these tables. Each can be
# rebuilt from the Answer log (reinforcement.services.rollups.rebuild.rollups_rebuild).


class AnswerSums(models.Model):
    """The sums of a set of answers that RepTopicDay and RepAnswerDay both keep."""

    answers = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)
    certain_wrong = models.PositiveIntegerField(default=0)
    reviews = models.PositiveIntegerField(
        default=0, help_text=_("Spaced reviews: answers at least a day after the last.")
    )
    reviews_correct = models.PositiveIntegerField(default=0)
    reviews_corrected = models.FloatField(
        default=0.0, help_text=_("Sum of (correct - c) / (1 - c), c the chance level.")
    )
    reviews_predicted = models.FloatField(
        default=0.0, help_text=_("Sum of the model's predicted recall of the reviews.")
    )

    class Meta:
        abstract = True


class RepTopicDay(AnswerSums):
    """One rep's answers on one topic on one UTC day."""

    rep = rep_key()
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    on_time = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "topic", "day"], name="rep_topic_day_unique"
            )
        ]
        indexes = [models.Index(fields=["day"], name="rep_topic_day_day")]

    def __str__(self) -> str:
        return f"{self.rep_id}/{self.topic_id} {self.day}"


class RepAnswerDay(AnswerSums):
    """One rep's answers on one UTC day, all topics: for team and organization reads.

    The same sums as RepTopicDay without the topic, so organization summaries
    and trends read one row per rep and day instead of one per topic.
    """

    rep = rep_key()
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rep", "day"], name="rep_answer_day_unique")
        ]
        indexes = [models.Index(fields=["day"], name="rep_answer_day_day")]

    def __str__(self) -> str:
        return f"{self.rep_id} {self.day}"


class RepDay(models.Model):
    """Participation of one rep on one local plan day, from that day's prompts."""

    rep = rep_key()
    day = models.DateField()
    delivered = models.PositiveSmallIntegerField(default=0)
    answered = models.PositiveSmallIntegerField(default=0)
    answered_on_time = models.PositiveSmallIntegerField(default=0)
    expired = models.PositiveSmallIntegerField(default=0)
    answered_by_channel = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Answers of the day per channel (Answer.channel): count."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rep", "day"], name="rep_day_unique")
        ]
        indexes = [models.Index(fields=["day"], name="rep_day_day")]

    def __str__(self) -> str:
        return f"{self.rep_id} {self.day}"


class RepQuestionStat(models.Model):
    """One rep's running totals on one question, for content performance."""

    rep = rep_key()
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    answers = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)
    certain_wrong = models.PositiveIntegerField(default=0)
    first_correct = models.BooleanField(
        null=True, help_text=_("Whether the rep's first answer ever was right.")
    )
    last_answered_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "question"], name="rep_question_stat_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rep_id}/{self.question_id}"


class RepChoiceStat(models.Model):
    """How often one rep picked one wrong choice, and how often while certain."""

    rep = rep_key()
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    choice = models.ForeignKey(
        "enablement.Choice", on_delete=models.CASCADE, related_name="+"
    )
    picks = models.PositiveIntegerField(default=0)
    certain_picks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "choice"], name="rep_choice_stat_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rep_id}/{self.choice_id}"


class RepTopicRecallBin(models.Model):
    """Spaced reviews of one rep on one topic, binned by days since the last review."""

    rep = rep_key()
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    bin_start = models.PositiveSmallIntegerField(help_text=_("Days, inclusive."))
    reviews = models.PositiveIntegerField(default=0)
    corrected = models.FloatField(default=0.0)
    predicted = models.FloatField(default=0.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "topic", "bin_start"], name="rep_topic_recall_bin_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rep_id}/{self.topic_id} {self.bin_start}d+"


class PeerQuestionCount(models.Model):
    """How many answers a question has had: the peer distribution's total.

    A question belongs to one organization, so this is the organization's count.
    """

    question = models.OneToOneField(
        Question, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    answers = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.question_id}: {self.answers}"


class PeerChoiceCount(models.Model):
    """How many answers picked a choice: a bar of the peer distribution."""

    choice = models.OneToOneField(
        "enablement.Choice",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    picks = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.choice_id}: {self.picks}"


# The sums of spaced reviews a snapshot carries over its observed window.
SNAPSHOT_WINDOW_FIELDS = (
    "reviews", "reviews_correct", "reviews_corrected", "reviews_predicted",
    "certain_wrong",
)  # fmt: skip


class RepTopicSnapshot(models.Model):
    """Predicted retention, mastery and windowed reviews of a rep x topic, per week.

    The current week's row is rewritten by every answer on the topic and by
    the nightly refresh; earlier weeks keep their last value, for trends.
    """

    rep = rep_key()
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text=_("The Monday the week starts on."))
    enrolled = models.PositiveIntegerField(default=0)
    introduced = models.PositiveIntegerField(default=0)
    predicted_sum = models.FloatField(
        default=0.0, help_text=_("Sum of predicted recall over introduced questions.")
    )
    mastered = models.PositiveIntegerField(default=0)
    # Spaced reviews of the 90 days up to computed_at (RepTopicDay sums), so the
    # heat map reads one row per cell instead of one per cell and day.
    reviews = models.PositiveIntegerField(default=0)
    reviews_correct = models.PositiveIntegerField(default=0)
    reviews_corrected = models.FloatField(default=0.0)
    reviews_predicted = models.FloatField(default=0.0)
    certain_wrong = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "topic", "week"], name="rep_topic_snapshot_unique"
            )
        ]
        indexes = [models.Index(fields=["week"], name="rep_topic_snapshot_week")]

    def __str__(self) -> str:
        return f"{self.rep_id}/{self.topic_id} {self.week}"


class ModuleMastery(models.Model):
    """When a rep's mastery of a module first reached the ramp threshold."""

    rep = rep_key()
    module = models.ForeignKey(
        "enablement.Module", on_delete=models.CASCADE, related_name="+"
    )
    reached_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "module"], name="module_mastery_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rep_id}/{self.module_id} {self.reached_at:%Y-%m-%d}"


class KpiFillState(models.Model):
    """How far a periodic rollup has been filled (Zulip's FillState)."""

    class State(models.TextChoices):
        STARTED = "started", _("Started")
        DONE = "done", _("Done")

    name = models.CharField(max_length=64, unique=True)
    end_time = models.DateTimeField()
    state = models.CharField(max_length=8, choices=State.choices)
    last_id = models.BigIntegerField(
        null=True,
        blank=True,
        help_text=_("A fill in chunks: the last id whose chunk has committed."),
    )

    def __str__(self) -> str:
        return f"{self.name} {self.state} {self.end_time}"


class ReplanRequest(models.Model):
    """Something a plan depends on changed: re-plan these reps' unanswered today.

    Written in the transaction of the change (reinforcement/receivers.py hears
    enablement's saves), one row per scope and id, so a change costs one
    upsert whatever the scope's size; `plans_replan_task` (beat, every minute)
    expands scopes into reps and re-plans them (docs/planning.md).
    """

    class Scope(models.TextChoices):
        REP = "rep", _("Rep")
        TEAM = "team", _("Team")
        MODULE = "module", _("Module")
        ORGANIZATION = "organization", _("Organization")

    scope = models.CharField(max_length=12, choices=Scope.choices)
    scope_id = models.BigIntegerField()
    requested_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "scope_id"], name="replan_request_unique_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.scope_id} at {self.requested_at}"


# Email one-tap, reminders and manager digests (docs/channels.md) ---------------


class EmailLinkUse(models.Model):
    """A one-tap email link that recorded an answer: each link works once.

    The link itself is signed (reinforcement/selectors/email_links.py) and
    carries its nonce; this row, written by the POST that answered, is what
    makes it single-use.
    """

    nonce = models.CharField(max_length=32, unique=True)
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="+")
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.nonce} for {self.prompt_id}"


class OutboxMessage(TimestampedModel):
    """A message a task sends at most once: the delivery outbox's fields.

    Written pending; a task sends it under its row lock and marks it sent in
    that transaction; the next dispatch run re-drives pending rows whose next
    attempt is due (a lost enqueue, a dead task, a failed send).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # Not to be sent any more: answered meanwhile, past the hours, left.
        CANCELED = "canceled", _("Canceled")

    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        abstract = True


class Reminder(OutboxMessage):
    """The one nudge of a rep on one local day whose dose was left unanswered."""

    rep = rep_key(related_name="reminders")
    local_date = models.DateField()
    plan = models.ForeignKey(
        DailyPlan, on_delete=models.CASCADE, related_name="reminders"
    )
    channel = models.CharField(max_length=8, choices=Delivery.Channel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "local_date"], name="reminder_unique_rep_day"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="reminder_pending_due",
                condition=Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.rep_id} {self.local_date} via {self.channel}: {self.status}"


class ManagerDigest(OutboxMessage):
    """The weekly digest email of one frontline manager for one week."""

    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="manager_digests",
        db_index=False,
    )
    week = models.DateField(help_text=_("The Monday of the week it reports on."))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["manager", "week"], name="manager_digest_unique_week"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="manager_digest_pending_due",
                condition=Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.manager_id} week of {self.week}: {self.status}"


class PushSubscription(models.Model):
    """A browser's Web Push subscription of a rep (the PushSubscription JSON a
    browser gives: its push service endpoint and the keys to encrypt to)."""

    rep = rep_key(related_name="push_subscriptions")
    endpoint = models.CharField(max_length=1000)
    p256dh = models.CharField(max_length=200, help_text=_("The browser's public key."))
    auth = models.CharField(max_length=100, help_text=_("The shared auth secret."))
    created_at = models.DateTimeField(auto_now_add=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "endpoint"], name="push_subscription_unique_endpoint"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rep_id}: {self.endpoint[:60]}"
