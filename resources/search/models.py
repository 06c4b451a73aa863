"""The database search index: one row per searchable item, its text, and its filter labels.

It is denormalised on purpose. Searching 100,000 resources through the page tables means wide
rows and joins per hit; here the full-text engine answers the query and the filters (labels are
words in the index too), and facet counts read two integers per label. On SQLite the full-text
index is an FTS5 table over SearchText; on PostgreSQL a generated tsvector column with a GIN
index (both made in migration 0001, the only vendor-specific part). Sources fill it through
resources.search.registry; nothing else writes here.
"""

from django.db import models


class SearchDocument(models.Model):
    source = models.CharField(max_length=60)
    object_id = models.BigIntegerField()
    type = models.CharField(max_length=40)
    members_only = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "object_id"], name="search_document_once")
        ]
        indexes = [
            # Browsing (no query): newest first, for visitors and for members.
            models.Index(
                fields=["members_only", "-published_at", "-id"], name="search_doc_audience_new"
            ),
            models.Index(fields=["-published_at", "-id"], name="search_doc_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.object_id}"


class SearchText(models.Model):
    """What the full-text index reads: plain text, and the labels as words (query.label_token)."""

    document = models.OneToOneField(
        SearchDocument, on_delete=models.CASCADE, primary_key=True, related_name="text"
    )
    title = models.TextField()
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    labels = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.title


class FacetValue(models.Model):
    """A label value ('competency', 'attachment-...'), numbered so that labels stay two integers."""

    kind = models.CharField(max_length=20)
    slug = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "slug"], name="facet_value_once")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.slug}"


class SearchLabel(models.Model):
    # No index of its own: the unique constraint's index starts with document_id.
    document = models.ForeignKey(
        SearchDocument, on_delete=models.CASCADE, related_name="labels", db_index=False
    )
    value = models.ForeignKey(FacetValue, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "value"], name="search_label_once")
        ]

    def __str__(self) -> str:
        return f"{self.document_id}:{self.value_id}"
