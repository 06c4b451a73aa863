"""The home page: what IMH endorsement is to a visitor; a member's next steps when signed in."""

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from resources.models import PrivateSectionsMixin


class HomePage(PrivateSectionsMixin, Page):
    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "ul"],
        help_text="What visitors read first: IMH endorsement and the learning collaboratives.",
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from home.selectors import home_for

        context = super().get_context(request, *args, **kwargs)
        context.update(home_for(request.user))
        return context
