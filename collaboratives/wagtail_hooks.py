"""Wagtail admin for collaboratives: administrators set up collaboratives, cohorts and rooms.

Facilitators then run their cohorts from the site (invitations, roles, moderation); the admin is
for the set-up and the settings a facilitator should not change, such as message retention.
Access follows Wagtail's model permissions, which the Administrators role holds
(accounts/roles.py).
"""

from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from collaboratives.models import Cohort, Collaborative, Room


class CollaborativeViewSet(SnippetViewSet):
    model = Collaborative
    icon = "group"
    menu_label = "Collaboratives"
    list_display = ["name", "program", "starts_on", "ends_on", "is_public"]
    list_filter = ["program", "is_public"]
    search_fields = ["name", "description"]
    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("program"),
        FieldPanel("description"),
        MultiFieldPanel([FieldPanel("starts_on"), FieldPanel("ends_on")], heading="Dates"),
        FieldPanel("is_public"),
        MultiFieldPanel(
            [
                HelpPanel(
                    "Room messages older than this are deleted every night, with their "
                    "reactions and reports. Leave empty to keep them."
                ),
                FieldPanel("message_retention_days"),
            ],
            heading="Retention",
        ),
    ]


class CohortViewSet(SnippetViewSet):
    model = Cohort
    icon = "user"
    menu_label = "Cohorts"
    list_display = ["name", "collaborative", "starts_on", "ends_on"]
    list_filter = ["collaborative"]
    search_fields = ["name"]
    panels = [
        FieldPanel("collaborative"),
        FieldPanel("name"),
        FieldPanel("slug"),
        MultiFieldPanel([FieldPanel("starts_on"), FieldPanel("ends_on")], heading="Dates"),
    ]


class RoomViewSet(SnippetViewSet):
    model = Room
    icon = "comment"
    menu_label = "Rooms"
    list_display = ["name", "cohort", "kind", "facilitators_only_post"]
    list_filter = ["kind"]
    search_fields = ["name"]
    panels = [
        FieldPanel("cohort"),
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("facilitators_only_post"),
    ]


class CollaborativesViewSetGroup(SnippetViewSetGroup):
    items = (CollaborativeViewSet, CohortViewSet, RoomViewSet)
    menu_icon = "group"
    menu_label = "Collaboratives"
    menu_name = "collaboratives"
    menu_order = 250


register_snippet(CollaborativesViewSetGroup)
