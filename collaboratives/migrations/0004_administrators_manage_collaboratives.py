"""Give the Administrators role the collaborative, cohort and room permissions (admin set-up)."""

from django.db import migrations


def grant(apps, schema_editor):
    from accounts.roles import role_groups_ensure

    role_groups_ensure(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_role_groups"),
        ("collaboratives", "0003_collaborative_message_retention"),
        ("wagtailcore", "0090_remove_grouppagepermission_permission_type"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
