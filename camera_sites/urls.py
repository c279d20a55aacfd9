from django.urls import path

from camera_sites import export_views, views

urlpatterns = [
    path("cameras/", views.CameraList.as_view(), name="camera-list"),
    path("cameras/<int:pk>/", views.CameraDetail.as_view(), name="camera-detail"),
    path("cameras/<int:pk>/snapshots/", views.SnapshotCollection.as_view(), name="camera-snapshots"),
    path("cameras/<int:pk>/snapshots/<int:snapshot_id>/image", views.SnapshotFile.as_view(),
         {"variant": "image"}, name="camera-snapshot-image"),
    path("cameras/<int:pk>/snapshots/<int:snapshot_id>/thumbnail", views.SnapshotFile.as_view(),
         {"variant": "thumbnail"}, name="camera-snapshot-thumbnail"),
    path("cameras/<int:pk>/heartbeat/", views.Heartbeat.as_view(), name="camera-heartbeat"),
    path("cameras/<int:pk>/timelapse/", export_views.TimelapseExportCreate.as_view(), name="camera-timelapse"),
    path("cameras/<int:pk>/timelapse/<uuid:result_id>/", export_views.TimelapseExportStatus.as_view(),
         name="camera-timelapse-status"),
    path("cameras/<int:pk>/timelapse/<uuid:result_id>/file", export_views.TimelapseExportFile.as_view(),
         name="camera-timelapse-file"),
]
