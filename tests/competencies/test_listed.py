"""The cached list of competencies that filter forms show follows every framework change."""

from competencies.models import Competency
from competencies.selectors import competencies_by_name


def test_the_list_follows_a_rename_and_a_removal(db, client):
    competency = Competency.objects.order_by("name").first()
    assert (competency.slug, competency.name) in competencies_by_name()

    competency.name = "A renamed competency"
    competency.save()
    assert ("A renamed competency" in dict(competencies_by_name()).values()) is True
    assert "A renamed competency" in client.get("/events/").content.decode()

    slug = competency.slug
    competency.delete()
    assert slug not in dict(competencies_by_name())
