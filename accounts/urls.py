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
    path("password-reset/cancel/<str:token>/", views.password_reset_cancel,
         name="password_reset_cancel"),
    path("profile/security/password-reset/cancel/", views.password_reset_cancel_mine,
         name="password_reset_cancel_mine"),
    path("profile/security/", views.second_factors, name="second_factors"),
    path("profile/security/authenticator/", views.authenticator_setup,
         name="authenticator_setup"),
    path("profile/security/authenticator/remove/", views.authenticator_remove,
         name="authenticator_remove"),
    path("profile/security/backup-codes/", views.backup_codes, name="backup_codes"),
]

# The profile: accounts/profile_views.py
from accounts import profile_views  # noqa: E402

urlpatterns += [
    path("profile/", profile_views.profile_page, name="profile"),
    path("profile/address/", profile_views.address, name="profile_address"),
    path("profile/contact/", profile_views.contact, name="profile_contact"),
    path("profile/preferences/", profile_views.preferences, name="profile_preferences"),
    path("profile/mobile/", profile_views.mobile, name="profile_mobile"),
    path("profile/mobile/confirm/", profile_views.mobile_confirm,
         name="profile_mobile_confirm"),
    path("profile/payout/", profile_views.payout_account, name="profile_payout"),
    path("profile/payout/confirm/", profile_views.payout_confirm,
         name="profile_payout_confirm"),
    path("profile/password/", profile_views.password, name="profile_password"),
    path("profile/sessions/logout-others/", profile_views.log_out_others,
         name="profile_log_out_others"),
]

# The customer's own audit trail (audit.activity): accounts/activity_views.py
from accounts import activity_views  # noqa: E402

urlpatterns += [
    path("profile/activity/", activity_views.activity, name="activity"),
]

# Passkeys: the customer's on /profile/security/, the advisor's on /staff/security/
# (accounts/passkey_views.py: one set of views, told apart by ``area``).
from accounts import passkey_views  # noqa: E402

CUSTOMER = {"area": passkey_views.CUSTOMER}
STAFF = {"area": passkey_views.STAFF}
urlpatterns += [
    path("profile/security/passkeys/add/", passkey_views.add, CUSTOMER, name="passkey_add"),
    path("profile/security/passkeys/confirm/", passkey_views.confirm, CUSTOMER,
         name="passkey_confirm"),
    path("profile/security/passkeys/<int:pk>/rename/", passkey_views.rename, CUSTOMER,
         name="passkey_rename"),
    path("profile/security/passkeys/<int:pk>/remove/", passkey_views.remove, CUSTOMER,
         name="passkey_remove"),
    path("staff/security/", passkey_views.staff_security, STAFF, name="staff_security"),
    path("staff/security/passkeys/add/", passkey_views.add, STAFF, name="staff_passkey_add"),
    path("staff/security/passkeys/confirm/", passkey_views.confirm, STAFF,
         name="staff_passkey_confirm"),
    path("staff/security/passkeys/<int:pk>/rename/", passkey_views.rename, STAFF,
         name="staff_passkey_rename"),
    path("staff/security/passkeys/<int:pk>/remove/", passkey_views.remove, STAFF,
         name="staff_passkey_remove"),
]
