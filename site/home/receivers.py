"""Forget the remembered Sites (home/routing.py) as soon as any Site changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Site

from home import routing


@receiver([post_save, post_delete], sender=Site, dispatch_uid="home-forget-sites")
def forget_sites(sender, **kwargs):
    routing.forget_sites()
