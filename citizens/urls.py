from django.urls import path

from citizens import views

urlpatterns = [
    path("feedback/", views.FeedbackList.as_view(), name="feedback-list"),
    path("feedback/<int:pk>/", views.FeedbackDetail.as_view(), name="feedback-detail"),
    path("feedback/<int:pk>/publish/", views.FeedbackPublish.as_view(), name="feedback-publish"),
    path("feedback/<int:pk>/reject/", views.FeedbackReject.as_view(), name="feedback-reject"),
    path("feedback/<int:pk>/reply/", views.FeedbackReply.as_view(), name="feedback-reply"),
    path("feedback/<int:pk>/block/", views.FeedbackBlockSender.as_view(), name="feedback-block"),
    path("feedback/<int:pk>/photos/<int:photo_id>/<str:variant>", views.feedback_photo, name="feedback-photo"),
]
