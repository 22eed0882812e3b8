from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("staff/login/", views.StaffLoginView.as_view(), name="staff_login"),
    path("register/", views.register, name="register"),
    path("register/activate/", views.activate, name="activate"),
    path("register/activate/confirm/", views.activate_confirm, name="activate_confirm"),
    path("register/set-password/<uidb64>/<token>/", views.set_password, name="set_password"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/confirm/", views.password_reset_confirm,
         name="password_reset_confirm"),
    path("profile/security/", views.second_factors, name="second_factors"),
    path("profile/security/authenticator/", views.authenticator_setup,
         name="authenticator_setup"),
    path("profile/security/authenticator/remove/", views.authenticator_remove,
         name="authenticator_remove"),
    path("profile/security/backup-codes/", views.backup_codes, name="backup_codes"),
]
