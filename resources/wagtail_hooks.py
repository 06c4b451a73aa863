"""Wagtail hooks of the content pages: members-only documents, and the editor's content checks."""

from django.contrib.auth.views import redirect_to_login
from wagtail import hooks
from wagtail.admin.userbar import ContentCheckerItem

from resources.selectors import document_is_members_only


@hooks.register("before_serve_document")
def refuse_members_only_documents_to_visitors(document, request):
    """A document that any members-only page uses is served to signed-in people only; a visitor
    is sent to sign in and comes back to the document afterwards."""
    if request.user.is_authenticated:
        return None
    if document_is_members_only(document=document):
        return redirect_to_login(request.get_full_path())
    return None


class SiteContentChecker(ContentCheckerItem):
    """Wagtail's accessibility checker (userbar and the editor's "Checks" panel) with the rules
    editors can act on for this site's WCAG 2.2 AA promise added to Wagtail's defaults."""

    axe_run_only = [
        *ContentCheckerItem.axe_run_only,
        "image-alt",
        "color-contrast",
        "link-in-text-block",
        "list",
        "listitem",
    ]


@hooks.register("construct_wagtail_userbar")
def use_site_content_checker(request, items, page=None):
    for position, item in enumerate(items):
        if isinstance(item, ContentCheckerItem) and not isinstance(item, SiteContentChecker):
            items[position] = SiteContentChecker(in_editor=item.in_editor)
