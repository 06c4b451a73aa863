"""Load the demo collaborative: accounts, a cohort with its rooms, sessions, forums, resources.

Idempotent: running it again finds what it made and changes nothing else. `make run` calls it.
"""

import datetime as dt
import json
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.documents.models import Document
from wagtail.models import Page, Site

from accounts.roles import role_grant
from collaboratives.models import Cohort, Collaborative, Membership, Role, Room
from competencies.models import Competency, Program
from endorsement.demo import demo_load as endorsement_demo_load
from events.demo import demo_load as events_demo_load
from events.models import Kind, Session, SessionSeries, Visibility
from events.services import series_expand
from forums.demo import demo_load as forums_demo_load
from home import demo_content
from home.models import HomePage
from resources.models import (
    AudienceSector,
    ContentIndexPage,
    IMHContentPage,
    ResearchIndexPage,
    ResearchUpdatePage,
    ResourceLibraryPage,
    ResourcePage,
)

ACCOUNTS = [
    # username, first, last, roles, sector, county
    ("staff", "Sam", "Staff", ["administrator", "staff-editor"], "other", "Dauphin"),
    ("facilitator", "Fran", "Facilitator", [], "mental-health", "Allegheny"),
    ("member1", "Maria", "Member", [], "home-visiting", "Philadelphia"),
    ("member2", "Marcus", "Member", [], "early-intervention", "Erie"),
    ("outsider", "Olivia", "Outsider", [], "child-care", "Centre"),
]

HOME_INTRO = (
    "<p>Infant and early childhood mental health (IECMH) is the growing capacity of a young "
    "child to form close relationships, manage emotions and explore, within family, community "
    "and culture.</p><p>Our <b>learning collaboratives</b> bring child care providers, early "
    "intervention coordinators, home visitors, medical and child welfare professionals together "
    "for months of sessions, case consultation and reflective groups, toward the Infant Mental "
    "Health Endorsement (IMH-E) or the Early Childhood Mental Health Endorsement (ECMH-E).</p>"
)


class Command(BaseCommand):
    help = "Create the demo collaborative, accounts and content (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            users = self._accounts()
            cohort = self._collaborative(users)
            self._sessions(cohort, users)
            events_demo_load(cohort=cohort, users=users)
            forums_demo_load(cohort=cohort, users=users)
            endorsement_demo_load(cohort=cohort, users=users)
            self._pages()
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write(
            f"Demo accounts (password {settings.DEMO_PASSWORD!r}): "
            "staff (editor and administrator), facilitator, member1, member2, outsider"
        )

    # --- people -----------------------------------------------------------------------------
    def _accounts(self) -> dict:
        User = get_user_model()
        users = {}
        for username, first, last, roles, sector, county in ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username,
                    email=f"{username}@example.org",
                    first_name=first,
                    last_name=last,
                    sector=sector,
                    county=county,
                )
                user.set_password(settings.DEMO_PASSWORD)
                user.is_staff = username == "staff"
                user.is_superuser = username == "staff"
                user.save()
            for role in roles:
                role_grant(user=user, role=role)
            users[username] = user
        return users

    def _collaborative(self, users) -> Cohort:
        program = Program.objects.get(code="IMH-E")
        today = timezone.localdate()
        collaborative, _ = Collaborative.objects.get_or_create(
            slug="pa-launch-2026",
            defaults={
                "name": "PA LAUNCH Infant Mental Health Learning Collaborative 2026",
                "description": (
                    "Ten months of learning sessions, case consultation and reflective groups "
                    "for professionals who work with infants, toddlers and their families."
                ),
                "program": program,
                "starts_on": today - dt.timedelta(days=60),
                "ends_on": today + dt.timedelta(days=240),
            },
        )
        cohort, _ = Cohort.objects.get_or_create(
            collaborative=collaborative,
            slug="cohort-a",
            defaults={
                "name": "Cohort A",
                "starts_on": collaborative.starts_on,
                "ends_on": collaborative.ends_on,
            },
        )
        for username, role in (
            ("facilitator", Role.FACILITATOR),
            ("member1", Role.MEMBER),
            ("member2", Role.MEMBER),
        ):
            Membership.objects.get_or_create(
                cohort=cohort, user=users[username], left_at=None, defaults={"role": role}
            )
        Room.objects.get_or_create(
            cohort=cohort, name="Cohort A discussion", defaults={"kind": Room.Kind.DISCUSSION}
        )
        Room.objects.get_or_create(
            cohort=cohort,
            name="Announcements",
            defaults={"kind": Room.Kind.ANNOUNCEMENTS, "facilitators_only_post": True},
        )
        return cohort

    def _sessions(self, cohort, users) -> None:
        zone = ZoneInfo("America/New_York")
        collaborative = cohort.collaborative
        competencies = {c.slug: c for c in Competency.objects.all()}
        next_month = (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        series, created = SessionSeries.objects.get_or_create(
            collaborative=collaborative,
            title="Monthly learning session",
            defaults={
                "cohort": cohort,
                # The second Tuesday of each month at noon, New York time.
                "rrule": "FREQ=MONTHLY;BYDAY=2TU;COUNT=8",
                "first_start": dt.datetime.combine(next_month, dt.time(12, 0), tzinfo=zone),
                "duration_minutes": 90,
                "timezone": "America/New_York",
            },
        )
        if created:
            for session in series_expand(
                series=series,
                template={
                    "kind": Kind.LEARNING_SESSION,
                    "visibility": Visibility.COHORT,
                    "video_url": "https://video.example.org/cohort-a",
                    "capacity": 30,
                    "description": "Didactic segment, a de-identified case, and reflection.",
                },
            ):
                session.facilitators.add(users["facilitator"])
                session.competencies.add(
                    *[
                        competencies[slug]
                        for slug in ("relationship-focused-practice", "observation-listening")
                        if slug in competencies
                    ]
                )
        start = dt.datetime.combine(
            timezone.localdate() + dt.timedelta(days=10), dt.time(18, 30), tzinfo=zone
        )
        public, created = Session.objects.get_or_create(
            collaborative=collaborative,
            title="Introduction to infant mental health endorsement",
            defaults={
                "kind": Kind.DIDACTIC,
                "visibility": Visibility.PUBLIC,
                "starts_at": start,
                "ends_at": start + dt.timedelta(hours=1),
                "description": (
                    "An open evening session on what IMH-E and ECMH-E are, who they are for, "
                    "and how the learning collaborative helps you get there."
                ),
                "location": "Online",
                "video_url": "https://video.example.org/intro",
                "capacity": 100,
            },
        )
        if created:
            public.facilitators.add(users["facilitator"])
            if "pregnancy-early-parenthood" in competencies:
                public.competencies.add(competencies["pregnancy-early-parenthood"])
        start = dt.datetime.combine(
            timezone.localdate() + dt.timedelta(days=3), dt.time(10, 0), tzinfo=zone
        )
        Session.objects.get_or_create(
            collaborative=collaborative,
            title="Reflective group: Cohort A",
            defaults={
                "cohort": cohort,
                "kind": Kind.REFLECTIVE_GROUP,
                "visibility": Visibility.COHORT,
                "starts_at": start,
                "ends_at": start + dt.timedelta(minutes=75),
                "video_url": "https://video.example.org/reflective",
                "capacity": 12,
            },
        )

    # --- Wagtail pages ------------------------------------------------------------------------
    def _pages(self) -> None:
        home = HomePage.objects.first()
        if home is None:
            home = Site.objects.get(is_default_site=True).root_page.specific
        if not home.intro:
            home.intro = HOME_INTRO
            home.save_revision().publish()
        library = self._child(
            home,
            ResourceLibraryPage,
            slug="resources",
            title="Resource library",
            intro="<p>Handouts, toolkits, courses and recordings, tagged by competency.</p>",
        )
        research = self._child(
            home,
            ResearchIndexPage,
            slug="research",
            title="Research updates",
            intro="<p>Plain-language summaries of research that matters for practice.</p>",
        )
        competencies = {c.slug: c for c in Competency.objects.all()}
        sectors = {sector.slug: sector for sector in AudienceSector.objects.all()}
        documents = self._documents()
        for title, kind, age_band, members_only, slugs, summary in demo_content.RESOURCES:
            page = self._child(
                library,
                ResourcePage,
                slug=slugify(title)[:80],
                title=title,
                summary=summary,
                resource_type=kind,
                age_band=age_band,
                members_only=members_only,
                body=f"<p>{summary}</p>",
                estimated_minutes=15,
            )
            self._tag(page, competencies, slugs)
            wanted = [sectors[slug] for slug in demo_content.RESOURCE_SECTORS.get(title, [])]
            self._classify(page, wanted, documents.get(title))
        for entry in demo_content.RESEARCH:
            title, date, authors, members_only, slugs, summary, citation, link = entry
            page = self._child(
                research,
                ResearchUpdatePage,
                slug=slugify(title)[:80],
                title=title,
                date=dt.date.fromisoformat(date),
                authors=authors,
                members_only=members_only,
                summary=summary,
                citation=citation,
                link=link,
                body=f"<p>{summary}</p>",
            )
            self._tag(page, competencies, slugs)
        self._content_pages(home, competencies, documents)

    def _documents(self) -> dict:
        """The demo's documents, made once, by the title of the resource each belongs to."""
        by_resource = {}
        for title, filename, text, resource_title in demo_content.DOCUMENTS:
            document = Document.objects.filter(title=title).first()
            if document is None:
                document = Document(title=title)
                document.file.save(filename, ContentFile(text.encode()), save=False)
                document._set_document_file_metadata()  # size and hash, as an upload sets them
                document.save()
            by_resource[resource_title] = document
        return by_resource

    @staticmethod
    def _classify(page, sectors: list, document) -> None:
        """Give a resource made before sectors and documents existed its sectors and file."""
        changed = False
        if sectors and not page.audience_sectors.exists():
            page.audience_sectors.set(sectors)
            changed = True
        if document is not None and page.document_id is None:
            page.document = document
            changed = True
        if changed:
            page.save_revision().publish()

    def _content_pages(self, home, competencies: dict, documents: dict) -> None:
        index = self._child(
            home,
            ContentIndexPage,
            slug="learn",
            title="About infant mental health",
            intro="<p>What infant and early childhood mental health is, and how endorsement "
            "recognizes the people who support it.</p>",
        )
        by_title = {document.title: document for document in documents.values()}
        for title, slug, members_only, slugs, keywords, summary, body in demo_content.CONTENT_PAGES:
            blocks = []
            for block_type, value in body:
                if block_type == "document":
                    value = {**value, "document": by_title[value["document"]].pk}
                blocks.append({"type": block_type, "value": value})
            page = self._child(
                index,
                IMHContentPage,
                slug=slug,
                title=title,
                summary=summary,
                members_only=members_only,
                body=json.dumps(blocks),
            )
            if not page.keywords.exists():
                page.keywords.set(keywords)
                page.save_revision().publish()
            self._tag(page, competencies, slugs)

    @staticmethod
    def _child(parent: Page, model, *, slug: str, **fields):
        existing = model.objects.child_of(parent).filter(slug=slug).first()
        if existing:
            return existing
        page = model(slug=slug, **fields)
        parent.add_child(instance=page)
        page.save_revision().publish()
        return page

    @staticmethod
    def _tag(page, competencies: dict, slugs: list[str]) -> None:
        wanted = [competencies[slug] for slug in slugs if slug in competencies]
        if set(page.competencies.all()) == set(wanted):
            return
        page.competencies.set(wanted)
        page.save_revision().publish()
