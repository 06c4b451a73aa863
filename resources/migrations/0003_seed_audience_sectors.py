"""The audience sectors: the same slugs and names as a member's profile sector."""

from django.db import migrations

SECTORS = [
    ("child-care", "Child care"),
    ("early-intervention", "Early intervention"),
    ("home-visiting", "Home visiting"),
    ("medical", "Medical"),
    ("child-welfare", "Child welfare"),
    ("mental-health", "Mental health"),
    ("other", "Other"),
]


def seed_sectors(apps, schema_editor):
    AudienceSector = apps.get_model("resources", "AudienceSector")
    for order, (slug, name) in enumerate(SECTORS):
        AudienceSector.objects.update_or_create(slug=slug, defaults={"name": name, "order": order})


def remove_sectors(apps, schema_editor):
    apps.get_model("resources", "AudienceSector").objects.filter(
        slug__in=[slug for slug, _ in SECTORS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("resources", "0002_content_pages_sectors_keywords")]

    operations = [migrations.RunPython(seed_sectors, remove_sectors)]
