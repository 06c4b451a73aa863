"""Create the staff role groups (Staff editors, Administrators, RSC providers) and their permissions."""

from django.db import migrations

from accounts.roles import ROLE_PERMISSIONS, role_groups_ensure


def role_groups_remove(apps, schema_editor):
    # Deleting a group cascades to its page and collection permissions.
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLE_PERMISSIONS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # The page permission model with its `permission` field, the root page and collection.
        ("wagtailcore", "0090_remove_grouppagepermission_permission_type"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtaildocs", "0011_add_choose_permissions"),
        ("wagtailimages", "0023_add_choose_permissions"),
    ]

    operations = [migrations.RunPython(role_groups_ensure, role_groups_remove)]
