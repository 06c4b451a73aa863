"""Give the Administrators role the endorsement ledger permissions (verifying, helping members)."""

from django.db import migrations


def grant(apps, schema_editor):
    from accounts.roles import role_groups_ensure

    role_groups_ensure(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_role_groups"),
        ("endorsement", "0002_ledger_progress_directory"),
        ("wagtailcore", "0090_remove_grouppagepermission_permission_type"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
