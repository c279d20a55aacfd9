from django.urls import path

from camera_sites import views

urlpatterns = [path("cameras/", views.CameraList.as_view(), name="camera-list")]
