"""Notification pages (mounted at the root) and API routes (api_urlpatterns, mounted under /api/)."""
from django.urls import path

from geotrack.site.notifications import views

urlpatterns = [
    path("settings/notifications/", views.settings_page, name="notification-settings"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="notifications-unsubscribe"),
    path("notifications/confirm/<str:token>/", views.confirm, name="notifications-confirm"),
]

api_urlpatterns = [
    path("subscriptions/", views.SubscriptionList.as_view(), name="subscription-list"),
    path("subscriptions/<int:pk>/", views.SubscriptionDetail.as_view(), name="subscription-detail"),
    path("notifications/", views.NotificationList.as_view(), name="notification-list"),
    path("notifications/telegram/", views.TelegramCode.as_view(), name="notification-telegram"),
    path("alert-states/<int:pk>/acknowledge/", views.AlertAcknowledge.as_view(), name="alert-acknowledge"),
]
