from django.urls import path

from policies import views

app_name = "policies"
urlpatterns = [
    path("insurance/", views.overview, name="overview"),
    path("insurance/paperless/", views.go_paperless, name="go_paperless"),
    path("insurance/legal-protection/certificate.pdf", views.legal_protection_certificate,
         name="legal_protection_certificate"),
]
