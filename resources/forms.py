"""Filter forms of the listing pages: GET parameters in, selector keyword arguments out.

A filter value that is not on the list gets a message on its field and is left out, so the
listing still answers with everything the other filters allow.
"""

from django import forms

from competencies.selectors import areas_with_competencies
from resources.models import AgeBand, AudienceSector, ResourceType


def competency_choices() -> list:
    """("", "Any competency") then one group per Area of Expertise, by slug (two queries)."""
    return [("", "Any competency")] + [
        (area.name, [(competency.slug, competency.name) for competency in area.competencies.all()])
        for area in areas_with_competencies()
    ]


class CompetencyFilterForm(forms.Form):
    competency = forms.ChoiceField(
        label="Competency",
        required=False,
        error_messages={"invalid_choice": "Choose a competency from the list."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competency"].choices = competency_choices()

    def filters(self) -> dict[str, str]:
        """Selector keyword arguments from the valid filters; invalid ones are left out."""
        self.is_valid()
        return {"competency": self.cleaned_data.get("competency", "")}

    def chosen(self) -> dict[str, str]:
        """The valid, non-empty filters by parameter name, for links that keep them."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


class ResourceFilterForm(CompetencyFilterForm):
    type = forms.ChoiceField(
        label="Type",
        required=False,
        choices=[("", "Any type"), *ResourceType.choices],
        error_messages={"invalid_choice": "Choose a type from the list."},
    )
    sector = forms.ChoiceField(
        label="Sector",
        required=False,
        error_messages={"invalid_choice": "Choose a sector from the list."},
    )
    age = forms.ChoiceField(
        label="Age",
        required=False,
        choices=[("", "Any age"), *AgeBand.choices],
        error_messages={"invalid_choice": "Choose an age band from the list."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = [("", "Any sector")] + list(
            AudienceSector.objects.values_list("slug", "name")
        )

    def filters(self) -> dict[str, str]:
        filters = super().filters()
        data = self.cleaned_data
        filters.update(
            resource_type=data.get("type", ""),
            sector=data.get("sector", ""),
            age_band=data.get("age", ""),
        )
        return filters
