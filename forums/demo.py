"""Demo forum content: a cohort board, a community board, and a few threads (idempotent)."""

from forums import services
from forums.models import Board, DigestPreference, Topic

TOPICS = [
    (
        "cohort",
        "discussion",
        "Questions for the next learning session",
        "What would you like to go deeper on next month? I keep thinking about **transitions** "
        "when a child moves between caregivers.",
        [
            ("member1", "It would help to talk about how we *name* loss with toddlers."),
            ("member2", "Same here. Also how to support foster parents during visits."),
        ],
    ),
    (
        "cohort",
        "case-consultation",
        "A toddler who bites at pick-up time",
        services.case_consultation_body(
            summary=(
                "A 26-month-old in a full-day toddler room bites peers in the last hour of the "
                "day, mostly when his parent arrives. Mornings go well."
            ),
            question="How can we support the child and the parent around reunions?",
            recommendations="Shadowing him near pick-up helped a little.",
        ),
        [("member2", "Could the reunion happen somewhere quieter, with a short ritual?")],
    ),
    (
        "community",
        "discussion",
        "Favourite opening questions for reflective supervision",
        "Share the question you use to open a reflective supervision meeting.",
        [
            ("member1", '"What are you carrying from this week?" works for my team.'),
            ("member2", "I ask what surprised them, then wait."),
        ],
    ),
]


def demo_load(*, cohort, users) -> None:
    boards = {
        "cohort": Board.objects.get_or_create(
            slug="cohort-a",
            defaults={
                "name": "Cohort A",
                "description": "Between sessions: questions, readings and case threads.",
                "scope": Board.Scope.COHORT,
                "cohort": cohort,
            },
        )[0],
        "community": Board.objects.get_or_create(
            slug="reflective-practice",
            defaults={
                "name": "Reflective practice",
                "description": "For every signed-in member of the community.",
                "scope": Board.Scope.COMMUNITY,
            },
        )[0],
    }
    for scope, kind, title, body, replies in TOPICS:
        board = boards[scope]
        if Topic.objects.filter(board=board, title=title).exists():
            continue
        topic = services.topic_create(
            actor=users["facilitator"], board=board, title=title, body=body, kind=kind
        )
        for author, reply in replies:
            services.post_create(actor=users[author], topic=topic, body=reply)
    if not DigestPreference.objects.filter(user=users["member1"]).exists():
        services.digest_preference_set(user=users["member1"], frequency="daily")
