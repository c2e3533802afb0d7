from django.urls import path

from insights import pages, views

app_name = "insights"

urlpatterns = [
    path("insights/events/", views.collect, name="collect"),
    path("insights/", pages.dashboard, name="dashboard"),
    path("insights/export/<slug:table>.csv", pages.export, name="export"),
    path("insights/staff/", pages.staff, name="staff"),
    path("insights/staff/stores.csv", pages.staff_export, name="staff_export"),
]
