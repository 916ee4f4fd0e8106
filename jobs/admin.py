from django.contrib import admin

from core.admin import ReadOnlyModelAdmin
from jobs.models import Job


@admin.register(Job)
class JobAdmin(ReadOnlyModelAdmin):
    """Work staff and integrations started in the background, and how it ended."""

    list_display = ("created_at", "kind", "status", "created_by", "started_at", "finished_at", "error")
    list_filter = ("kind", "status")
    search_fields = ("error", "created_by__email")
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"
