# ruff: noqa: S608 - constant DDL, no input.
"""The search index tables, and the full-text index over them (the vendor-specific part).

SQLite: two FTS5 tables over SearchText with external content (kept in step by triggers): one
porter-stemmed over the text and the label words, one unstemmed over titles with prefix indexes
for autocomplete, and an fts5vocab table over the titles for "did you mean".
PostgreSQL: two generated tsvector columns with GIN indexes (weights: title A, summary B, body C,
labels D).
"""

import django.db.models.deletion
from django.db import migrations, models

TEXT = "resources_search_searchtext"
SQLITE = [
    f"""CREATE VIRTUAL TABLE resources_search_fts USING fts5(
        title, summary, body, labels, content='{TEXT}', content_rowid='document_id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    f"""CREATE VIRTUAL TABLE resources_search_titles USING fts5(
        title, labels, content='{TEXT}', content_rowid='document_id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    "CREATE VIRTUAL TABLE resources_search_title_terms "
    "USING fts5vocab(resources_search_titles, 'col')",
    f"""CREATE TRIGGER resources_search_text_insert AFTER INSERT ON {TEXT} BEGIN
        INSERT INTO resources_search_fts(rowid, title, summary, body, labels)
        VALUES (new.document_id, new.title, new.summary, new.body, new.labels);
        INSERT INTO resources_search_titles(rowid, title, labels)
        VALUES (new.document_id, new.title, new.labels);
    END""",
    f"""CREATE TRIGGER resources_search_text_delete AFTER DELETE ON {TEXT} BEGIN
        INSERT INTO resources_search_fts(resources_search_fts, rowid, title, summary, body, labels)
        VALUES ('delete', old.document_id, old.title, old.summary, old.body, old.labels);
        INSERT INTO resources_search_titles(resources_search_titles, rowid, title, labels)
        VALUES ('delete', old.document_id, old.title, old.labels);
    END""",
    f"""CREATE TRIGGER resources_search_text_update AFTER UPDATE ON {TEXT} BEGIN
        INSERT INTO resources_search_fts(resources_search_fts, rowid, title, summary, body, labels)
        VALUES ('delete', old.document_id, old.title, old.summary, old.body, old.labels);
        INSERT INTO resources_search_titles(resources_search_titles, rowid, title, labels)
        VALUES ('delete', old.document_id, old.title, old.labels);
        INSERT INTO resources_search_fts(rowid, title, summary, body, labels)
        VALUES (new.document_id, new.title, new.summary, new.body, new.labels);
        INSERT INTO resources_search_titles(rowid, title, labels)
        VALUES (new.document_id, new.title, new.labels);
    END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS resources_search_text_update",
    "DROP TRIGGER IF EXISTS resources_search_text_delete",
    "DROP TRIGGER IF EXISTS resources_search_text_insert",
    "DROP TABLE IF EXISTS resources_search_title_terms",
    "DROP TABLE IF EXISTS resources_search_titles",
    "DROP TABLE IF EXISTS resources_search_fts",
]
POSTGRES = [
    f"""ALTER TABLE {TEXT} ADD COLUMN vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(summary, '')), 'B')
        || setweight(to_tsvector('english', coalesce(body, '')), 'C')
        || setweight(to_tsvector('simple', coalesce(labels, '')), 'D')) STORED""",
    f"""ALTER TABLE {TEXT} ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(title, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(labels, '')), 'D')) STORED""",
    f"CREATE INDEX resources_search_text_vector ON {TEXT} USING gin (vector)",
    f"CREATE INDEX resources_search_text_title_vector ON {TEXT} USING gin (title_vector)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS resources_search_text_title_vector",
    "DROP INDEX IF EXISTS resources_search_text_vector",
    f"ALTER TABLE {TEXT} DROP COLUMN IF EXISTS title_vector",
    f"ALTER TABLE {TEXT} DROP COLUMN IF EXISTS vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError("resources.search supports SQLite (with FTS5) and PostgreSQL.")
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("source", models.CharField(max_length=60)),
                ("object_id", models.BigIntegerField()),
                ("type", models.CharField(max_length=40)),
                ("members_only", models.BooleanField(default=False)),
                ("published_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name="SearchLabel",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="FacetValue",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=20)),
                ("slug", models.CharField(max_length=100)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("kind", "slug"), name="facet_value_once")
                ],
            },
        ),
        migrations.CreateModel(
            name="SearchText",
            fields=[
                (
                    "document",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="text",
                        serialize=False,
                        to="resources_search.searchdocument",
                    ),
                ),
                ("title", models.TextField()),
                ("summary", models.TextField(blank=True)),
                ("body", models.TextField(blank=True)),
                ("labels", models.TextField(blank=True)),
            ],
        ),
        migrations.AddIndex(
            model_name="searchdocument",
            index=models.Index(
                fields=["members_only", "-published_at", "-id"], name="search_doc_audience_new"
            ),
        ),
        migrations.AddIndex(
            model_name="searchdocument",
            index=models.Index(fields=["-published_at", "-id"], name="search_doc_newest"),
        ),
        migrations.AddConstraint(
            model_name="searchdocument",
            constraint=models.UniqueConstraint(
                fields=("source", "object_id"), name="search_document_once"
            ),
        ),
        migrations.AddField(
            model_name="searchlabel",
            name="document",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="labels",
                to="resources_search.searchdocument",
            ),
        ),
        migrations.AddField(
            model_name="searchlabel",
            name="value",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="resources_search.facetvalue",
            ),
        ),
        migrations.AddConstraint(
            model_name="searchlabel",
            constraint=models.UniqueConstraint(
                fields=("document", "value"), name="search_label_once"
            ),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
