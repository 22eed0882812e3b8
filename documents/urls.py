from django.urls import path

from documents import views

app_name = "documents"
urlpatterns = [
    path("documents/", views.document_list, name="list"),
    path("documents/attestations-fiscales/", views.tax_certificates, name="tax_certificates"),
    path("documents/<int:pk>/", views.document_detail, name="detail"),
    path("documents/<int:pk>/apercu.png", views.document_preview, name="preview"),
    path("documents/<int:pk>/telecharger/", views.document_download, name="download"),
    path("documents/<int:pk>/bulletin-qr.pdf", views.premium_qr_bill, name="qr_bill"),
]
