import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class Question(models.Model):
    """One bank question, imported from quizzes/content/NN-topic.yaml. Retired, never deleted."""

    SINGLE, MULTIPLE = "single", "multiple"
    KINDS = [(SINGLE, "Single choice"), (MULTIPLE, "Multiple response")]

    key = models.CharField(max_length=100, unique=True)
    topic = models.SlugField(max_length=100)
    skill = models.CharField(max_length=10)
    kind = models.CharField(max_length=10, choices=KINDS)
    section = models.CharField(max_length=200)
    stem = models.TextField()
    options = models.JSONField()  # [{"text", "correct", "explanation"}], letters A.. in this order
    source = models.CharField(max_length=200)  # the bank file it came from
    doc_url = models.URLField(max_length=300, blank=True)  # the AWS documentation page its key rests on
    # The sandbox demo (sandbox/demos/NAME.yaml) that shows the behaviour the key rests on; None when there is none.
    demo = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    position = models.PositiveIntegerField(default=0)
    retired_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source", "position"]
        # Drills and timed tests draw the live questions of a topic.
        indexes = [models.Index(fields=["topic"], condition=Q(retired_at__isnull=True), name="live_question_topic")]

    def __str__(self) -> str:
        return self.key

    @property
    def correct_indexes(self) -> list[int]:
        return [index for index, option in enumerate(self.options) if option["correct"]]


class QuizPreference(models.Model):
    """A student's quiz settings: exam accommodation and keyboard shortcuts."""

    NONE, PLUS_30, TIMES_1_5, UNTIMED = "none", "plus30", "x1.5", "untimed"
    ACCOMMODATIONS = [
        (NONE, "Standard time"),
        (PLUS_30, "30 extra minutes (like the ESL +30 accommodation)"),
        (TIMES_1_5, "Time and a half (1.5×)"),
        (UNTIMED, "Untimed: no deadline"),
    ]

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_preference")
    accommodation = models.CharField(max_length=10, choices=ACCOMMODATIONS, default=NONE)
    shortcuts = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.accommodation}"

    @classmethod
    def for_user(cls, user) -> "QuizPreference":
        return cls.objects.filter(user=user).first() or cls(user=user)


class Attempt(models.Model):
    """One sitting: a topic drill, a review session, or a timed practice test."""

    DRILL, REVIEW, QUICK, FULL = "drill", "review", "quick", "full"
    MODES = [(DRILL, "Topic drill"), (REVIEW, "Review mistakes"), (QUICK, "Quick test"), (FULL, "Full mock exam")]
    TIMED = (QUICK, FULL)
    ACTIVE, SUBMITTED = "active", "submitted"
    STATUSES = [(ACTIVE, "In progress"), (SUBMITTED, "Submitted")]

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    mode = models.CharField(max_length=10, choices=MODES)
    topic = models.SlugField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=ACTIVE)
    accommodation = models.CharField(max_length=10, default=QuizPreference.NONE)
    started_at = models.DateTimeField(default=timezone.now)
    time_limit_minutes = models.PositiveIntegerField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submit_reason = models.CharField(max_length=20, blank=True)  # "student" | "deadline"
    position = models.PositiveIntegerField(default=1)  # the question the student is on, from 1
    position_since = models.DateTimeField(null=True, blank=True)
    correct_count = models.PositiveIntegerField(null=True, blank=True)
    total_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "mode"],
                condition=Q(status="active", mode__in=["quick", "full"]),
                name="one_active_timed_attempt_per_test",
            )
        ]
        indexes = [models.Index(fields=["user", "status", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {self.uuid}"

    def get_absolute_url(self) -> str:
        return reverse("quizzes:attempt-resume", args=[self.uuid])

    @property
    def timed(self) -> bool:
        return self.mode in self.TIMED

    @property
    def instant_feedback(self) -> bool:
        return self.mode in (self.DRILL, self.REVIEW)

    @property
    def submitted(self) -> bool:
        return self.status == self.SUBMITTED

    @property
    def percent(self) -> int | None:
        if self.correct_count is None or not self.total_count:
            return None
        return round(100 * self.correct_count / self.total_count)


class AttemptItem(models.Model):
    """One question of an attempt, with the student's answer. ``content`` is the question as it was drawn."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="attempt_items")
    content = models.JSONField()  # {"stem", "kind", "options": [{"text", "correct", "explanation"}]}
    selected = models.JSONField(default=list)  # option indexes
    flagged = models.BooleanField(default=False)
    answered_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)  # drill and review: the answer is final
    correct = models.BooleanField(null=True, blank=True)
    seconds_spent = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["attempt", "position"], name="one_item_per_position")]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.position}"

    @property
    def answered(self) -> bool:
        return bool(self.selected)

    @property
    def options(self) -> list[dict]:
        return self.content["options"]

    @property
    def select_count(self) -> int:
        return sum(1 for option in self.options if option["correct"])

    @property
    def multiple(self) -> bool:
        return self.content["kind"] == Question.MULTIPLE


class ReviewCard(models.Model):
    """A student's FSRS card for a question they missed at least once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_cards")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="review_cards")
    card = models.JSONField()  # fsrs.Card.to_dict()
    due = models.DateTimeField()
    last_session = models.UUIDField(null=True, blank=True)  # the attempt whose answer last counted
    reviews = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "question"], name="one_card_per_question")]
        indexes = [models.Index(fields=["user", "due"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.question_id} due {self.due:%Y-%m-%d %H:%M}"


class ProblemReport(models.Model):
    """A student's report that a question is wrong, ambiguous or outdated."""

    REASONS = [
        ("wrong-key", "The marked answer is wrong"),
        ("ambiguous", "More than one answer fits"),
        ("outdated", "A fact or number is out of date"),
        ("unclear", "The wording is unclear or has a typo"),
        ("other", "Something else"),
    ]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="question_reports")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=20, choices=REASONS)
    detail = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.reason}"
