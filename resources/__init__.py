"""Wagtail pages for IMH content, research updates and resources, tagged by competency."""
