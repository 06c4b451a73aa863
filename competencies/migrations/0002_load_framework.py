"""Load the bundled competency framework (competencies/data/framework.yaml) into a new database.

The loader upserts by natural keys through the historical models passed in `apps`. It reads the
file as it is when the migration runs, so a later change to the file that needs new fields must
come with its own migration and keep loading against these historical models.
"""

from django.db import migrations


def load_framework(apps, schema_editor):
    from competencies.loader import framework_load_file

    framework_load_file(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("competencies", "0001_initial")]

    # Reversing keeps the rows: they may be referenced by then, and staff may have edited them.
    operations = [migrations.RunPython(load_framework, migrations.RunPython.noop)]
