"""Editorial flow: a "Reviewers" group and the "Author then reviewer" workflow for every page.

Authors (staff editors) submit a page; a reviewer (the Reviewers or Administrators group, or a
superuser) approves it, which publishes it at once or at its go-live time. The workflow is
assigned at the root of the page tree, replacing Wagtail's default "Moderators approval" there,
so every page of every site inherits it without this app naming the home page.
"""

from django.db import migrations

WORKFLOW_NAME = "Author then reviewer"
TASK_NAME = "Reviewer approval"
REVIEWERS = "Reviewers"
APPROVER_GROUPS = [REVIEWERS, "Administrators"]
DEFAULT_WORKFLOW = "Moderators approval"

# Reviewers read and publish pages in the admin and choose documents and images while editing.
ADMIN_ACCESS = ("wagtailadmin", "admin", "access_admin", "Can access Wagtail admin")
PAGE_PERMISSIONS = [
    ("wagtailcore", "page", "add_page", "Can add page"),
    ("wagtailcore", "page", "change_page", "Can change page"),
    ("wagtailcore", "page", "publish_page", "Publish any page"),
]
COLLECTION_PERMISSIONS = [
    ("wagtaildocs", "document", "choose_document", "Can choose document"),
    ("wagtailimages", "image", "choose_image", "Can choose image"),
]


def create_workflow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")

    def permission(app_label, model, codename, name):
        # In a fresh database permission rows only appear after every migration has run.
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        found, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        return found

    reviewers, _ = Group.objects.get_or_create(name=REVIEWERS)
    reviewers.permissions.add(permission(*ADMIN_ACCESS))
    root_page = Page.objects.filter(depth=1).first()
    root_collection = Collection.objects.filter(depth=1).first()
    if root_page is not None:
        for spec in PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=reviewers, page=root_page, permission=permission(*spec)
            )
    if root_collection is not None:
        for spec in COLLECTION_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=reviewers, collection=root_collection, permission=permission(*spec)
            )

    task_type, _ = ContentType.objects.get_or_create(
        app_label="wagtailcore", model="groupapprovaltask"
    )
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME, content_type=task_type)
    task.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in APPROVER_GROUPS))
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    if root_page is not None:
        WorkflowPage.objects.update_or_create(page=root_page, defaults={"workflow": workflow})


def remove_workflow(apps, schema_editor):
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    Page = apps.get_model("wagtailcore", "Page")
    default = Workflow.objects.filter(name=DEFAULT_WORKFLOW).first()
    root_page = Page.objects.filter(depth=1).first()
    if default is not None and root_page is not None:
        WorkflowPage.objects.update_or_create(page=root_page, defaults={"workflow": default})
    Workflow.objects.filter(name=WORKFLOW_NAME).delete()
    apps.get_model("wagtailcore", "GroupApprovalTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0003_seed_audience_sectors"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_workflow, remove_workflow)]
