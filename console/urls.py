"""The console's addresses. Only `connexion/` is reachable without signing in."""

from django.contrib.auth import views as auth_views
from django.urls import path

from console import views
from console.signin import SignInView

urlpatterns = [
    path("connexion/", SignInView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.queue, name="queue"),
    path("conversations/", views.conversation_list, name="conversations"),
    path("conversations/<path:sender_id>/prendre", views.claim, name="claim"),
    path("conversations/<path:sender_id>/repondre", views.reply, name="reply"),
    path("conversations/<path:sender_id>/rendre", views.hand_back, name="hand_back"),
    path("conversations/<path:sender_id>/clore", views.close, name="close"),
    path("conversations/<path:sender_id>/relecture", views.add_review, name="review"),
    path("conversations/<path:sender_id>/effacer", views.erase, name="erase"),
    path(
        "conversations/<path:sender_id>/export.<str:file_format>",
        views.export,
        name="export",
    ),
    path("conversations/<path:sender_id>/", views.conversation_detail, name="conversation"),
    path("ameliorer/", views.improve, name="improve"),
    path("ameliorer/<str:name>.png", views.plot, name="plot"),
    path("comptes/", views.accounts, name="accounts"),
    path("comptes/<int:user_id>/<str:action>", views.account_action, name="account_action"),
    path("journal/", views.audit_log, name="audit"),
]
