from django.urls import path

from customer_requests import views

app_name = "customer_requests"
urlpatterns = [
    path("requests/", views.request_list, name="list"),
    path("requests/contract-change/", views.change_start, name="change_start"),
    path("requests/contract-change/<int:person_id>/", views.change, name="change"),
    path("requests/contract-change/request/<int:pk>/cancel/", views.cancel_change,
         name="cancel_change"),
]
