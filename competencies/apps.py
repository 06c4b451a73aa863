from django.apps import AppConfig


class CompetenciesConfig(AppConfig):
    name = "competencies"
    verbose_name = "Competency framework"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from competencies.models import Competency
        from competencies.selectors import competency_list_forget

        for signal in (post_save, post_delete):
            signal.connect(
                competency_list_forget, sender=Competency, dispatch_uid="competency-list-forget"
            )
