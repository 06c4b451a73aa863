"""The case consultation identification check: the detector, and the warn-then-choose flow."""

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from forums.identification import identification_findings
from forums.models import Topic


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Mom Sarah says the baby cries at drop-off", "name"),
        ("Dad, Luis, works nights", "name"),
        ("Mother Jane Doe attended", "name"),
        ("Father: Kwame", "name"),
        ("DOB 03/14/2023", "date"),
        ("born on 3/4/22", "date"),
        ("seen on March 12, 2024 at home", "date"),
        ("since 2024-01-05", "date"),
        ("call 215-555-0134 after 5", "phone"),
        ("(412) 555 0199", "phone"),
        ("+1 717.555.0101", "phone"),
        ("they live at 123 Maple Street", "address"),
        ("moved to 4500 North Broad St.", "address"),
        ("email jo.parent@example.org", "email"),
    ],
)
def test_identification_findings_flags_identifying_text(text, kind):
    assert kind in {finding.kind for finding in identification_findings(text)}


@pytest.mark.parametrize(
    "text",
    [
        "Mom reported that the 14-month-old wakes at night",
        "Dad and grandma share drop-off",
        "The mother says she feels alone",
        "An 18 month old in the toddler room, third month in care",
        "We met 3 times over 12 weeks",
        "Scores rose from 10 to 14",
        "Mom shared that bedtime is hard",
        "",
    ],
)
def test_identification_findings_leaves_de_identified_text_alone(text):
    assert identification_findings(text) == []


CASE = {
    "kind": "case-consultation",
    "title": "A toddler who bites at pick-up",
    "summary": "Mom Sarah says the 2-year-old bites at pick-up. Call her at 215-555-0134.",
    "question": "How do we support the family?",
    "recommendations": "",
}


def test_case_consultation_warns_before_posting_and_logs_the_warning(sign_in, author, board):
    response = sign_in(author).post(reverse("forums:topic_create", args=[board.slug]), CASE)
    html = response.content.decode()
    assert response.status_code == 200  # a question, not an error
    assert "This may identify a family" in html
    assert "a name after Mom, Dad, Mother or Father" in html and "a phone number" in html
    assert "Call her at 215-555-0134" in html  # the author's text stays in the form
    assert not Topic.objects.exists()
    entry = AuditEntry.objects.get(action="forums.identification_warning")
    assert entry.detail == {"kinds": ["name", "phone"]}
    assert "Sarah" not in str(entry.detail)  # the log never holds the identifying text


def test_case_consultation_edited_after_the_warning_posts_and_logs_the_choice(
    sign_in, author, board
):
    client = sign_in(author)
    url = reverse("forums:topic_create", args=[board.slug])
    client.post(url, CASE)
    edited = {
        **CASE,
        "summary": "Mom says the 2-year-old bites at pick-up.",
        "identification_warned": "1",
        "identification": "check",
    }
    response = client.post(url, edited)
    topic = Topic.objects.get()
    assert response.status_code == 302
    assert topic.kind == Topic.Kind.CASE_CONSULTATION
    body = topic.posts.get().html
    assert "Case summary (de-identified)" in body and "How do we support" in body
    assert AuditEntry.objects.filter(
        action="forums.identification_edited", target_id=str(topic.pk)
    ).exists()


def test_case_consultation_confirmed_as_written_posts_and_logs_the_choice(sign_in, author, board):
    client = sign_in(author)
    url = reverse("forums:topic_create", args=[board.slug])
    response = client.post(url, {**CASE, "identification_warned": "1", "identification": "confirm"})
    topic = Topic.objects.get()
    assert response.status_code == 302
    assert AuditEntry.objects.filter(
        action="forums.identification_confirmed", target_id=str(topic.pk)
    ).exists()


def test_case_consultation_needs_a_summary_and_a_question(sign_in, author, board):
    response = sign_in(author).post(
        reverse("forums:topic_create", args=[board.slug]),
        {**CASE, "summary": "", "question": "Only a question"},
    )
    assert response.status_code == 400
    assert "needs a case summary and a question" in response.content.decode()
    assert "Only a question" in response.content.decode()
    assert not Topic.objects.exists()


def test_case_consultation_form_prompts_for_its_three_parts(sign_in, author, board):
    html = (
        sign_in(author)
        .get(reverse("forums:topic_create", args=[board.slug]), {"kind": "case-consultation"})
        .content.decode()
    )
    for label in (
        "Case summary (de-identified)",
        "Your question for the group",
        "Recommendations so far",
    ):
        assert label in html
