from django.urls import path

from messaging import views

app_name = "messaging"
urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/new/", views.new_thread, name="new"),
    path("messages/<int:thread_id>/", views.thread_detail, name="thread"),
    path("messages/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("login-help/", views.login_help, name="login_help"),
    path("login-help/sent/", views.login_help_sent, name="login_help_sent"),
]
