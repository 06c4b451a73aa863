"""The live cohort room in a real browser: two members talking, going offline and coming back,
access, the keyboard and small screens, replies and reactions, edits and deletes, scroll-back."""

import json
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser

COLLABORATIVE = "pa-launch-2026"
COHORT = "cohort-a"
LIVE_MS = 5_000  # a message reaches the other member within this
BACK_MS = 15_000  # reconnecting and catching up after the network returns

ROOMS_SCRIPT = f"""
import json
from collaboratives.models import Room
rooms = Room.objects.filter(cohort__collaborative__slug={COLLABORATIVE!r}, cohort__slug={COHORT!r})
print(json.dumps({{room.name: room.pk for room in rooms}}))
"""

# Fills the announcements room with messages straight through the ORM (the rate limit is for
# people); each names its predecessor, as room_message_post would.
FILL_SCRIPT = """
from accounts.models import User
from collaboratives.markup import render_markdown
from collaboratives.models import Room, RoomMessage
room = Room.objects.get(pk={room_id})
author = User.objects.get(username="facilitator")
for number in range({count}):
    body = f"Announcement number {{number}}"
    message = RoomMessage.objects.create(
        room=room, author=author, body=body, html=render_markdown(body),
        prev_id=room.last_message_id,
    )
    room.last_message_id = message.pk
room.save(update_fields=["last_message_id"])
print(room.last_message_id)
"""


@pytest.fixture(scope="module")
def rooms(run_manage) -> dict:
    output = run_manage("shell", "-c", ROOMS_SCRIPT)
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def room_id(rooms) -> int:
    return rooms["Cohort A discussion"]


@pytest.fixture
def open_room(new_page, room_id):
    """`open_room("member1", width=...)`: a signed-in page in the room, its socket ready."""

    def open_as(username, *, width=1280, height=900, room=None):
        page = new_page(viewport={"width": width, "height": height})
        login(page, username)
        response = page.goto(f"/collaboratives/rooms/{room or room_id}/")
        assert response.status == 200
        expect(page.locator("#room-status")).to_have_text("Connected")
        return page

    return open_as


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:6]}"


def composer(page):
    return page.get_by_label("Message", exact=True)


def send(page, text: str) -> None:
    box = composer(page)
    box.fill(text)
    box.press("Enter")


def stored(page, text: str):
    """The message with this text as the server confirmed it (not the pending copy)."""
    return page.locator("#room-list .msg:not(.msg--pending)", has_text=text)


def message_texts(page) -> list[str]:
    return page.locator("#room-list .msg .msg__body").all_inner_texts()


def assert_fits(page) -> None:
    width = page.evaluate("window.innerWidth")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"the room scrolls sideways: {scroll_width}px in {width}px"


def test_room_message_reaches_other_member_and_pending_clears(open_room):
    maria = open_room("member1")
    marcus = open_room("member2")
    text = "Hello from member1"

    send(maria, text)

    expect(marcus.locator("#room-list .msg", has_text=text)).to_have_count(1, timeout=LIVE_MS)
    expect(marcus.locator("#room-announcer")).to_contain_text(f"Maria Member: {text}")
    expect(stored(maria, text)).to_have_count(1)
    expect(maria.locator(".msg--pending")).to_have_count(0)
    expect(maria.locator("#room-list")).not_to_contain_text("Sending…")
    expect(composer(maria)).to_have_value("")
    expect(marcus.locator("#room-presence")).to_contain_text("Maria Member")
    assert_accessible(maria)
    assert_accessible(marcus)


def test_room_offline_member_catches_up_once_in_order(open_room):
    maria = open_room("member1")
    marcus = open_room("member2")
    first, second = unique("While you were away, one"), unique("While you were away, two")

    marcus.context.set_offline(True)
    expect(marcus.locator("#room-status")).to_contain_text("Connection lost")
    send(maria, first)
    expect(stored(maria, first)).to_have_count(1)
    send(maria, second)
    expect(stored(maria, second)).to_have_count(1)
    expect(marcus.locator("#room-list")).not_to_contain_text(first)
    marcus.context.set_offline(False)

    expect(marcus.locator("#room-status")).to_have_text("Back online", timeout=BACK_MS)
    expect(marcus.locator("#room-list .msg", has_text=second)).to_have_count(1, timeout=BACK_MS)
    texts = message_texts(marcus)
    assert [t for t in texts if t in {first, second}] == [first, second]
    ids = marcus.locator("#room-list .msg").evaluate_all("items => items.map(i => i.id)")
    assert len(ids) == len(set(ids)), f"a message is shown twice: {ids}"
    assert ids == sorted(ids, key=lambda i: int(i[1:])), f"messages out of order: {ids}"


def test_room_outsider_gets_404_and_socket_closed_4403(new_page, room_id):
    page = new_page(viewport={"width": 1280, "height": 900})
    login(page, "outsider")
    # The demo runs with DEBUG on, and Django's debug 404 page names no icon.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))

    response = page.goto(f"/collaboratives/rooms/{room_id}/")
    code = page.evaluate(
        """(path) => new Promise((resolve) => {
            const socket = new WebSocket(`ws://${location.host}${path}`);
            socket.addEventListener("close", (event) => resolve(event.code));
        })""",
        f"/ws/rooms/{room_id}/",
    )

    assert response.status == 404
    assert code == 4403
    expect(page.locator("main")).not_to_contain_text("Hello from member1")


def test_room_socket_signed_out_closed_4401(page, room_id):
    page.goto("/accounts/login/")

    code = page.evaluate(
        """(path) => new Promise((resolve) => {
            const socket = new WebSocket(`ws://${location.host}${path}`);
            socket.addEventListener("close", (event) => resolve(event.code));
        })""",
        f"/ws/rooms/{room_id}/",
    )

    assert code == 4401


def test_room_keyboard_only_sends_at_320px(open_room):
    page = open_room("member1", width=320, height=700)
    text = unique("Typed with the keyboard")

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the message box")).to_be_focused()
    page.keyboard.press("Enter")
    expect(composer(page)).to_be_focused()
    page.keyboard.type(text)
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    page.keyboard.press("Enter")

    message = stored(page, text)
    expect(message).to_have_count(1)
    expect(message.locator(".msg__body br")).to_have_count(1)
    expect(composer(page)).to_be_focused()
    expect(message.get_by_role("toolbar")).to_be_visible()
    # Back into the message's toolbar (one Tab stop), along it with the arrows, and react.
    page.keyboard.press("Shift+Tab")
    expect(message.get_by_role("button", name="Reply")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(message.get_by_role("button", name="React")).to_be_focused()
    page.keyboard.press("Enter")
    expect(message.get_by_role("button", name="React with thumbs up")).to_be_focused()
    page.keyboard.press("Enter")
    expect(message.locator(".reaction")).to_have_attribute("aria-pressed", "true")
    expect(message.get_by_role("button", name="React", exact=True)).to_be_focused()
    assert_fits(page)
    assert_accessible(page)


def test_room_reply_and_reaction_reach_other_member(open_room):
    maria = open_room("member1")
    marcus = open_room("member2")
    original, answer = unique("Who has tried the new screening tool?"), unique("I have")
    send(maria, original)
    message_id = stored(maria, original).get_attribute("id")
    at_marcus = marcus.locator(f"#{message_id}")
    expect(at_marcus).to_contain_text(original, timeout=LIVE_MS)

    at_marcus.get_by_role("button", name="Reply").click()
    expect(marcus.locator("#room-replying")).to_contain_text(original)
    expect(composer(marcus)).to_be_focused()
    marcus.keyboard.type(answer)
    expect(maria.locator("#room-typing")).to_have_text("Marcus Member is typing…")
    marcus.keyboard.press("Enter")
    at_marcus.get_by_role("button", name="React").click()
    marcus.get_by_role("button", name="React with thumbs up").click()

    reply = stored(maria, answer)
    expect(reply).to_have_count(1, timeout=LIVE_MS)
    expect(reply.locator(".msg__quote")).to_contain_text("Reply to Maria Member")
    expect(reply.locator(".msg__quote")).to_contain_text(original)
    reaction = maria.locator(f"#{message_id} .reaction")
    expect(reaction).to_have_text(re.compile(r"👍\s*1"), timeout=LIVE_MS)
    expect(reaction).to_have_attribute("aria-pressed", "false")
    expect(at_marcus.locator(".reaction")).to_have_attribute("aria-pressed", "true")
    expect(maria.locator("#room-typing")).to_have_text("")
    assert_accessible(maria)


def test_room_edit_and_confirmed_delete_reach_other_member(open_room):
    maria = open_room("member1")
    marcus = open_room("member2")
    draft, fixed, regret = unique("Teh meeting"), unique("The meeting"), unique("Oops, wrong room")
    send(maria, draft)
    send(maria, regret)
    draft_id = stored(maria, draft).get_attribute("id")
    regret_id = stored(maria, regret).get_attribute("id")

    mine = maria.locator(f"#{draft_id}")
    mine.get_by_role("button", name="Edit").click()
    editor = mine.get_by_label("Edit your message")
    expect(editor).to_be_focused()
    editor.fill(fixed)
    editor.press("Enter")
    gone = maria.locator(f"#{regret_id}")
    gone.get_by_role("button", name="Delete").click()
    expect(gone.get_by_role("button", name="Confirm delete")).to_be_focused()
    expect(gone).to_contain_text(regret)  # nothing happens before the confirmation
    gone.get_by_role("button", name="Confirm delete").click()

    expect(marcus.locator(f"#{draft_id} .msg__body")).to_have_text(fixed, timeout=LIVE_MS)
    expect(marcus.locator(f"#{draft_id} .msg__edited")).to_have_text("(edited)")
    expect(marcus.locator(f"#{regret_id}")).to_contain_text("Message deleted", timeout=LIVE_MS)
    expect(marcus.locator("#room-list")).not_to_contain_text(regret)
    expect(marcus.locator(f"#{regret_id}").get_by_role("button", name="Delete")).to_have_count(0)
    expect(marcus.locator(f"#{draft_id}").get_by_role("button", name="Edit")).to_have_count(0)
    expect(marcus.locator(f"#{draft_id}").get_by_role("link", name="Report")).to_have_attribute(
        "href", re.compile(rf"/rooms/\d+/messages/{draft_id[1:]}/report/$")
    )


def test_room_scroll_back_loads_earlier_messages(open_room, run_manage, rooms):
    announcements = rooms["Announcements"]
    run_manage("shell", "-c", FILL_SCRIPT.format(room_id=announcements, count=70))
    page = open_room("member1", room=announcements)
    expect(page.locator("#room-list .msg")).to_have_count(50)
    expect(page.locator("#room-cannot-post")).to_have_text("Only facilitators post in this room.")
    expect(composer(page)).to_be_hidden()

    page.get_by_role("button", name="Load earlier messages").click()

    expect(page.locator("#room-list .msg")).to_have_count(70)
    expect(page.get_by_role("button", name="Load earlier messages")).to_be_hidden()
    texts = message_texts(page)
    assert texts[0] == "Announcement number 0" and texts[-1] == "Announcement number 69"
    expect(page.locator("#room-announcer")).to_contain_text("20 earlier messages loaded.")


def test_room_mark_unread_moves_divider_and_count(open_room):
    maria = open_room("member1")
    marcus = open_room("member2")
    text = unique("Please read this later")
    send(marcus, text)
    message_id = stored(marcus, text).get_attribute("id")
    item = maria.locator(f"#{message_id}")
    expect(item).to_have_count(1, timeout=LIVE_MS)

    item.get_by_role("button", name="Mark unread from here").click()

    expect(maria.locator("#room-unread")).to_have_text("1 unread")
    divider_next = maria.locator("#room-divider + li")
    expect(divider_next).to_have_attribute("id", message_id)
    maria.reload()
    expect(maria.locator("#room-divider + li")).to_have_attribute("id", message_id)


COUNT_SCRIPT = """
from collaboratives.models import RoomMessage
print(RoomMessage.objects.filter(body={body!r}).count())
"""


def test_room_reload_resends_unconfirmed_message_once(new_page, open_room, room_id, run_manage):
    marcus = open_room("member2")
    maria = new_page(viewport={"width": 1280, "height": 900})
    login(maria, "member1")
    dropping = {"sends": True}

    def lossy_socket(route):
        # Until told otherwise, the network swallows every message Maria sends.
        server = route.connect_to_server()

        def from_page(frame):
            if dropping["sends"] and '"message.send"' in str(frame):
                return
            server.send(frame)

        route.on_message(from_page)

    maria.route_web_socket(re.compile(r"/ws/rooms/"), lossy_socket)
    maria.goto(f"/collaboratives/rooms/{room_id}/")
    expect(maria.locator("#room-status")).to_have_text("Connected")
    text = unique("Sent just before the train went into the tunnel")

    send(maria, text)
    pending = maria.locator(".msg--pending", has_text=text)
    expect(pending).to_contain_text("Sending…")
    maria.wait_for_timeout(1000)
    expect(pending).to_have_count(1)
    dropping["sends"] = False
    maria.reload()

    expect(stored(maria, text)).to_have_count(1)
    expect(maria.locator(".msg--pending")).to_have_count(0)
    expect(marcus.locator("#room-list .msg", has_text=text)).to_have_count(1, timeout=LIVE_MS)
    assert maria.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('imh-room'))") == []
    output = run_manage("shell", "-c", COUNT_SCRIPT.format(body=text))
    assert output.strip().splitlines()[-1] == "1"


def test_room_facilitator_deletes_a_members_message(open_room):
    maria = open_room("member1")
    fran = open_room("facilitator")
    text = unique("Off-topic advert")
    send(maria, text)
    message_id = stored(maria, text).get_attribute("id")
    item = fran.locator(f"#{message_id}")
    expect(item).to_contain_text(text, timeout=LIVE_MS)
    expect(maria.locator(f"#{message_id}").get_by_role("button", name="Delete")).to_have_count(1)
    expect(item.get_by_role("button", name="Edit")).to_have_count(0)

    item.get_by_role("button", name="Delete").click()
    item.get_by_role("button", name="Confirm delete").click()

    expect(maria.locator(f"#{message_id}")).to_contain_text("Message deleted", timeout=LIVE_MS)
    expect(maria.locator("#room-list")).not_to_contain_text(text)
    expect(item).to_contain_text("Message deleted")


def test_room_without_javascript_is_readable(new_page, open_room, room_id):
    maria = open_room("member1")
    text = unique("Readable without script")
    send(maria, text)
    expect(stored(maria, text)).to_have_count(1)
    page = new_page(viewport={"width": 320, "height": 700}, java_script_enabled=False)
    login(page, "member2")

    page.goto(f"/collaboratives/rooms/{room_id}/")

    expect(page.locator("#room-list .msg", has_text=text)).to_have_count(1)
    expect(page.locator("main")).to_contain_text("Live updates need JavaScript")
    expect(composer(page)).to_be_hidden()
    expect(page.locator("#room-list").get_by_role("button")).to_have_count(0)
    assert_fits(page)


def test_room_burst_over_rate_limit_goes_out_later_in_order(open_room):
    # 20 messages per 10 s per person: the rest wait for the server's "try again in" and go out
    # with their own client_id, one at a time so the order holds.
    fran = open_room("facilitator")
    marcus = open_room("member2")
    texts = [unique(f"Burst {number:02d}") for number in range(26)]

    for text in texts:
        send(fran, text)

    expect(fran.locator(".msg--waiting")).to_contain_text("you are sending quickly")
    expect(fran.locator(".msg--failed")).to_have_count(0)
    expect(fran.locator(".msg--pending")).to_have_count(0, timeout=20_000)
    expect(marcus.locator("#room-list .msg", has_text=texts[-1])).to_have_count(1, timeout=LIVE_MS)
    shown = [t for t in message_texts(marcus) if t.startswith("Burst")]
    assert shown == texts


def test_room_too_long_or_empty_message_is_refused_with_a_clear_message(open_room):
    page = open_room("member2")
    box = composer(page)
    before = page.locator("#room-list .msg").count()

    box.fill("x" * 3_700)
    expect(page.locator("#room-counter")).to_have_text("300 characters left")
    box.fill("y" * 4_100)
    expect(page.locator("#room-counter")).to_have_text("100 characters over the limit")
    box.press("Enter")
    expect(page.get_by_role("alert")).to_have_text(
        "Messages are at most 4,000 characters; this one has 4,100."
    )
    expect(box).to_have_attribute("aria-invalid", "true")
    box.fill("   ")
    box.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Write something before sending.")

    page.wait_for_timeout(500)
    expect(page.locator("#room-list .msg")).to_have_count(before)
    expect(page.locator(".msg--pending")).to_have_count(0)


# A new room in the demo cohort, filled with messages; prints its id and its first message id.
SEEK_ROOM_SCRIPT = f"""
from accounts.models import User
from collaboratives.markup import render_markdown
from collaboratives.models import Cohort, Room, RoomMessage
cohort = Cohort.objects.get(collaborative__slug={COLLABORATIVE!r}, slug={COHORT!r})
room = Room.objects.create(cohort=cohort, name="Long history")
author = User.objects.get(username="facilitator")
ids = []
for number in range(180):
    body = f"Old note number {{number}}"
    message = RoomMessage.objects.create(
        room=room, author=author, body=body, html=render_markdown(body),
        prev_id=room.last_message_id,
    )
    room.last_message_id = message.pk
    ids.append(message.pk)
room.save(update_fields=["last_message_id"])
print(room.pk, ids[3])
"""


def test_room_link_to_an_old_message_loads_history_until_it_shows(new_page, run_manage):
    room, old_id = map(int, run_manage("shell", "-c", SEEK_ROOM_SCRIPT).split()[-2:])
    page = new_page()
    login(page, "member2")

    page.goto(f"/collaboratives/rooms/{room}/#m{old_id}")

    linked = page.locator(f"#m{old_id}")
    expect(linked).to_contain_text("Old note number 3")
    expect(linked).to_be_focused()
    expect(linked).to_be_in_viewport()
    expect(page.locator("#room-announcer")).to_contain_text("Showing the linked message.")


def test_room_mention_suggestions_by_keyboard(open_room):
    page = open_room("member2", width=320, height=700)
    box = composer(page)

    box.press_sequentially("Thanks @mem")
    suggestions = page.get_by_role("listbox", name="People to mention")
    expect(suggestions).to_be_visible()
    expect(suggestions.get_by_role("option")).to_contain_text(["@member1"])
    assert_accessible(page)
    box.press("ArrowDown")
    box.press("ArrowUp")
    box.press("Enter")

    expect(suggestions).to_be_hidden()
    expect(box).to_have_value("Thanks @member1 ")
    expect(page.locator("#room-announcer")).to_contain_text("mentioned.")
    assert_fits(page)
    box.press("Escape")
    text = unique("for the notes")
    box.press_sequentially(text)
    box.press("Enter")
    expect(stored(page, text)).to_contain_text("@member1")
