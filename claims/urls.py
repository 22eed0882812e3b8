from django.urls import path

from claims import views

app_name = "claims"
urlpatterns = [
    path("claims/", views.claim_list, name="list"),
    path("claims/new/", views.claim_new, name="new"),
    path("claims/new/pre-read/", views.claim_pre_read, name="pre_read"),
    path("claims/new/pre-read/<slug:token>/", views.claim_pre_read_result,
         name="pre_read_result"),
    path("claims/guarantees/new/", views.guarantee_new, name="guarantee_new"),
    path("claims/guarantees/<int:pk>/", views.guarantee_detail, name="guarantee_detail"),
    path("claims/<int:pk>/", views.claim_detail, name="detail"),
    path("claims/<int:pk>/status/", views.claim_status, name="status"),
    path("claims/<int:pk>/pages/<int:page_pk>/", views.claim_page, name="page"),
]
