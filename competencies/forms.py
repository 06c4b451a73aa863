"""Admin forms for the framework where the model form alone would ask too much of staff."""

from wagtail.admin.forms import WagtailAdminModelForm

from competencies.models import label_slug


class CompetencyForm(WagtailAdminModelForm):
    """Lets staff leave the slug empty: it is then derived from the short label."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        slug = self.fields["slug"]
        slug.required = False
        slug.help_text = (
            "Used in addresses and by the bundled data file. Leave empty to derive it from the "
            "label; change it only if nothing links to it yet."
        )

    def clean(self):
        cleaned_data = super().clean()
        if not cleaned_data.get("slug") and cleaned_data.get("name"):
            cleaned_data["slug"] = label_slug(cleaned_data["name"])
            if not cleaned_data["slug"]:
                self.add_error("slug", "This label gives no usable slug; enter one.")
        return cleaned_data
