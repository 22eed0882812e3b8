from django.urls import path

from policies import card_views, views

app_name = "policies"
urlpatterns = [
    path("insurance/", views.overview, name="overview"),
    path("insurance/paperless/", views.go_paperless, name="go_paperless"),
    path("insurance/legal-protection/certificate.pdf", views.legal_protection_certificate,
         name="legal_protection_certificate"),
    path("insurance/card/", card_views.cards, name="cards"),
    path("insurance/card/<int:person_id>/", card_views.card, name="card"),
    path("insurance/card/offline.json", card_views.offline_copy, name="card_offline_copy"),
]
