"""StreamField blocks of IMH content pages: what an editor may put in a page body.

Each block renders with its own template in templates/resources/blocks/, with no inline style or
script, so the strict Content-Security-Policy holds for editor content too.
"""

from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock

# Rich text stays to what reads well on a phone; headings are their own block, so the page's
# outline is chosen on purpose rather than by a toolbar button.
PARAGRAPH_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120)
    level = blocks.ChoiceBlock(
        choices=[("h2", "Section heading (level 2)"), ("h3", "Subsection heading (level 3)")],
        default="h2",
        help_text="Start with a level 2 heading; a level 3 heading belongs under a level 2 one.",
    )

    class Meta:
        icon = "title"
        template = "resources/blocks/heading.html"


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(max_length=1000)
    attribution = blocks.CharBlock(max_length=200, required=False)

    class Meta:
        icon = "openquote"
        template = "resources/blocks/quote.html"


class FigureBlock(blocks.StructBlock):
    image = ImageBlock(help_text="Describe the image for people who cannot see it.")
    caption = blocks.CharBlock(max_length=250, required=False)

    class Meta:
        icon = "image"
        label = "Image"
        template = "resources/blocks/image.html"


class VideoEmbedBlock(blocks.StructBlock):
    video = EmbedBlock(help_text="A YouTube or Vimeo address, for example.")
    title = blocks.CharBlock(
        max_length=200,
        help_text="What the video is, read out by screen readers and shown as a link to it.",
    )

    class Meta:
        icon = "media"
        label = "Embed"
        template = "resources/blocks/embed.html"


class CalloutBlock(blocks.StructBlock):
    tone = blocks.ChoiceBlock(
        choices=[("note", "Note"), ("warning", "Take care")],
        default="note",
    )
    heading = blocks.CharBlock(max_length=120, required=False)
    text = blocks.RichTextBlock(features=["bold", "italic", "link", "ul"])

    class Meta:
        icon = "warning"
        template = "resources/blocks/callout.html"


class DocumentLinkBlock(blocks.StructBlock):
    document = DocumentChooserBlock()
    label = blocks.CharBlock(
        max_length=200, required=False, help_text="Link text; the document's title by default."
    )

    class Meta:
        icon = "doc-full"
        label = "Document link"
        template = "resources/blocks/document_link.html"


class ContentStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(features=PARAGRAPH_FEATURES, icon="pilcrow")
    quote = QuoteBlock()
    image = FigureBlock()
    embed = VideoEmbedBlock()
    callout = CalloutBlock()
    document = DocumentLinkBlock()
