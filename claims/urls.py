from django.urls import path

from claims import views

app_name = "claims"
urlpatterns = [
    path("claims/", views.claim_list, name="list"),
    path("claims/new/", views.claim_new, name="new"),
    path("claims/<int:pk>/", views.claim_detail, name="detail"),
    path("claims/<int:pk>/pages/<int:page_pk>/", views.claim_page, name="page"),
]
