from django.urls import path
from two_factor.views import LoginView

app_name = "accounts"
urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
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
