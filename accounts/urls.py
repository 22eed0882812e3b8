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

# The profile (issue 6): accounts/profile_views.py
from accounts import profile_views  # noqa: E402

urlpatterns += [
    path("profile/", profile_views.profile_page, name="profile"),
    path("profile/address/", profile_views.address, name="profile_address"),
    path("profile/contact/", profile_views.contact, name="profile_contact"),
    path("profile/preferences/", profile_views.preferences, name="profile_preferences"),
    path("profile/mobile/", profile_views.mobile, name="profile_mobile"),
    path("profile/mobile/confirm/", profile_views.mobile_confirm,
         name="profile_mobile_confirm"),
    path("profile/password/", profile_views.password, name="profile_password"),
    path("profile/sessions/logout-others/", profile_views.log_out_others,
         name="profile_log_out_others"),
]

# The customer's own audit trail (issue 8): accounts/activity.py
from accounts import activity_views  # noqa: E402

urlpatterns += [
    path("profile/activity/", activity_views.activity, name="activity"),
]
