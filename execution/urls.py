"""The roadmap execution API, mounted under /api/ (CONTRACT.md, Roadmap execution)."""
from django.urls import path

from execution import views

urlpatterns = [
    path("roadmap-items/<int:number>/milestones/", views.ItemMilestones.as_view(), name="item-milestones"),
    path("milestones/<int:pk>/", views.MilestoneDetail.as_view(), name="milestone-detail"),
    path("roadmap-items/<int:number>/reports/", views.ItemReports.as_view(), name="item-reports"),
    path("roadmap-items/<int:number>/deadline-changes/", views.ItemDeadlineChanges.as_view(),
         name="item-deadline-changes"),
    path("reporting-periods/", views.PeriodList.as_view(), name="reporting-period-list"),
    path("reporting-periods/<int:pk>/", views.PeriodDetail.as_view(), name="reporting-period-detail"),
    path("execution-reports/<int:pk>/", views.ReportDetail.as_view(), name="execution-report-detail"),
    path("execution-reports/<int:pk>/submit/", views.ReportSubmit.as_view(), name="execution-report-submit"),
    path("execution-reports/<int:pk>/accept/", views.ReportAccept.as_view(), name="execution-report-accept"),
    path("execution-reports/<int:pk>/return/", views.ReportReturn.as_view(), name="execution-report-return"),
    path("execution-reports/<int:pk>/documents/", views.ReportDocuments.as_view(),
         name="execution-report-documents"),
    path("execution-reports/<int:pk>/documents/<int:document_id>/", views.DocumentFile.as_view(),
         name="report-document"),
    path("deadline-changes/<int:pk>/approve/", views.DeadlineChangeApprove.as_view(), name="deadline-change-approve"),
    path("deadline-changes/<int:pk>/refuse/", views.DeadlineChangeRefuse.as_view(), name="deadline-change-refuse"),
    path("meetings/", views.MeetingList.as_view(), name="meeting-list"),
    path("meetings/<int:pk>/", views.MeetingDetail.as_view(), name="meeting-detail"),
    path("instructions/", views.InstructionList.as_view(), name="instruction-list"),
    path("instructions/<int:pk>/", views.InstructionDetail.as_view(), name="instruction-detail"),
    path("instructions/<int:pk>/reports/", views.InstructionReports.as_view(), name="instruction-reports"),
]
