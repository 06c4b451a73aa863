"""The hostile-input corpus against every entry point: no 500, nothing live, clear answers.

Each entry point gets every payload of tests/security/hostile.py. What must hold everywhere:
the server answers (never 500), and wherever the text comes back (the form again, the stored
item's page, a list, search results) it is inert: no script element, event handler or script
address carries it. Over-long or malformed input gets a 400 or the form again with a message.
"""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collaboratives import room_services
from collaboratives.markup import render_markdown
from collaboratives.models import Role
from competencies.models import AreaOfExpertise
from forums.models import Board
from tests.factories import CohortFactory, MembershipFactory, RoomFactory
from tests.security.hostile import HOSTILE
from tests.security.inert import active_markup

pytestmark = pytest.mark.django_db

BACKEND = "accounts.backends.UsernameOrEmailBackend"
PAYLOADS = pytest.mark.parametrize("payload", list(HOSTILE.values()), ids=list(HOSTILE))


@pytest.fixture
def world():
    cohort = CohortFactory()
    member = MembershipFactory(cohort=cohort).user
    facilitator = MembershipFactory(cohort=cohort, role=Role.FACILITATOR).user
    board = Board.objects.create(
        name="Cohort board", slug=f"board-{uuid.uuid4().hex[:8]}", scope="cohort", cohort=cohort
    )
    return {"cohort": cohort, "member": member, "facilitator": facilitator, "board": board}


def _as(client, user):
    client.force_login(user, backend=BACKEND)
    return client


def _answers(response):
    assert response.status_code < 500, response.status_code
    if response.get("Content-Type", "").startswith("text/html"):
        assert active_markup(response.content.decode()) == []
    return response


@PAYLOADS
def test_search_queries(client, world, payload):
    _answers(client.get("/search/", {"q": payload}))
    _answers(client.get("/api/search/", {"q": payload, "competency": payload, "type": payload}))
    _as(client, world["member"])
    _answers(client.get("/search/", {"q": payload, "competency": payload}))


@PAYLOADS
def test_sign_in_form(client, db, payload):
    response = _answers(client.post("/accounts/login/", {"username": payload, "password": payload}))
    assert response.status_code in (200, 403, 429)


@PAYLOADS
def test_profile_display_name(client, world, payload):
    _as(client, world["member"])

    _answers(
        client.post("/accounts/profile/", {"display_name": payload, "sector": "", "county": ""})
    )

    _answers(client.get("/accounts/profile/"))
    _answers(client.get(world["cohort"].get_absolute_url()))


@PAYLOADS
def test_forum_topic_and_reply(client, world, payload):
    _as(client, world["member"])
    board = world["board"]

    _answers(
        client.post(
            reverse("forums:topic_create", args=[board.slug]),
            {"title": payload[:200], "body": payload},
        )
    )

    _answers(client.get(reverse("forums:board", args=[board.slug])))
    topic = board.topics.first()
    if topic is not None:
        _answers(client.post(reverse("forums:topic_reply", args=[topic.pk]), {"body": payload}))
        _answers(client.get(reverse("forums:topic", args=[topic.pk])))
    _answers(client.get("/accounts/notifications/"))


@PAYLOADS
def test_endorsement_training_log(client, world, payload):
    member = world["member"]
    member.date_joined = timezone.now() - dt.timedelta(days=30)
    member.save()
    _as(client, member)
    area = AreaOfExpertise.objects.order_by("id").first()
    data = {
        "title": payload[:200],
        "provider": payload[:200],
        "date": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        "hours": "2",
        "format": "virtual",
        "areas": [area.pk],
    }

    _answers(client.post(reverse("endorsement:training_new"), data))

    _answers(client.get("/endorsement/"))
    csv_text = client.get("/endorsement/portfolio.csv").content.decode()
    for line in csv_text.splitlines()[1:]:
        assert not line.startswith(("=", "+", "-", "@"))


@PAYLOADS
def test_session_scheduling(client, world, payload):
    _as(client, world["facilitator"])
    starts = timezone.localtime(timezone.now() + dt.timedelta(days=3))
    data = {
        "title": payload[:200],
        "kind": "didactic",
        "description": payload,
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "timezone": payload[:64],
        "location": payload[:255],
        "visibility": "cohort",
        "cohort": world["cohort"].pk,
        "materials": payload,
    }
    url = reverse("events:schedule", args=[world["cohort"].collaborative.slug])

    _answers(client.post(url, data))
    data["timezone"] = "America/New_York"
    _answers(client.post(url, data))

    _answers(client.get("/events/"))
    _answers(
        client.get("/events/", {"kind": payload, "competency": payload, "collaborative": payload})
    )


@PAYLOADS
def test_room_message(client, world, payload):
    room = RoomFactory(cohort=world["cohort"])
    try:
        room_services.room_message_post(
            room=room, author=world["member"], body=payload, client_id=uuid.uuid4()
        )
    except room_services.DomainError as error:
        assert error.message  # refused with words, e.g. too long
    _as(client, world["member"])
    _answers(client.get(room.get_absolute_url()))


@PAYLOADS
def test_directory_and_list_filters(client, world, payload):
    _as(client, world["member"])
    for path in (
        "/endorsement/providers/",
        "/endorsement/directory/",
        "/forums/",
        "/events/month/",
    ):
        _answers(
            client.get(
                path, {"county": payload, "format": payload, "category": payload, "month": payload}
            )
        )


# --- property-based: the Markdown renderer never lets a fragment come alive -------------------

FRAGMENTS = [
    "<script>",
    "</script>",
    "alert(1337)",
    "<img src=x onerror=alert(1337)>",
    "[a](javascript:alert(1337))",
    "<a href='javascript:alert(1337)'>",
    "<svg",
    "/onload=alert(1337)>",
    "<style>",
    "</noscript>",
    "<math><mtext>",
    '"',
    "'",
    "`",
    "*",
    "_",
    "[",
    "](",
    ")",
    "\n",
    "> ",
    "- ",
    "```",
    "&lt;",
    "&#x3C;script&#x3E;",
    "javascript&colon;alert(1337)",
    "java\nscript:alert(1337)",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=25))
def test_render_markdown_never_makes_a_fragment_live(parts):
    html = render_markdown("".join(parts))

    assert active_markup(html) == []
    assert "<script" not in html.lower() and "<style" not in html.lower()
