from django.contrib import admin

from citizens.models import BlockedSender, Feedback


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ("id", "category", "status", "project", "roadmap_item", "created_at")
    list_filter = ("status", "category")
    readonly_fields = ("follow_token", "sender_hash", "idempotency_key", "request_digest")


@admin.register(BlockedSender)
class BlockedSenderAdmin(admin.ModelAdmin):
    list_display = ("sender_hash", "blocked_at", "blocked_by")
