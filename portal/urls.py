"""Portal (/app/), operator dashboard (/dashboard/) and login (/accounts/); mounted last by crm/urls.py."""

from django.urls import path

from portal.views import activity, api_keys, assistant, auth, dashboard, home, inbox, numbers, team, usage, webhooks

app_name = "portal"

urlpatterns = [
    path("accounts/login/", auth.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", auth.PasswordResetView.as_view(), name="password-reset"),
    path("accounts/password-reset/sent/", auth.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("accounts/password-reset/done/", auth.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("app/", home.home, name="home"),
    path("app/choose/", auth.choose_client, name="choose-client"),
    path("app/inbox/", inbox.inbox, name="inbox"),
    path("app/inbox/rows/", inbox.inbox_rows, name="inbox-rows"),
    path("app/inbox/<int:conversation_id>/", inbox.thread, name="thread"),
    path("app/inbox/media/<int:message_id>/", inbox.message_media, name="message-media"),
    path("app/inbox/<int:conversation_id>/messages/", inbox.thread_messages, name="thread-messages"),
    path("app/inbox/<int:conversation_id>/head/", inbox.thread_head, name="thread-head"),
    path("app/inbox/<int:conversation_id>/send/", inbox.send_text, name="send-text"),
    path("app/inbox/<int:conversation_id>/send-template/", inbox.send_template, name="send-template"),
    path("app/inbox/<int:conversation_id>/send-media/", inbox.send_media, name="send-media"),
    path("app/inbox/<int:conversation_id>/take-over/", inbox.take_over, name="take-over"),
    path("app/inbox/<int:conversation_id>/hand-back/", inbox.hand_back, name="hand-back"),
    path("app/inbox/<int:conversation_id>/converted/", inbox.mark_converted, name="mark-converted"),
    path("app/inbox/<int:conversation_id>/not-converted/", inbox.unmark_converted, name="unmark-converted"),
    path("app/assistant/", assistant.assistant, name="assistant"),
    path("app/assistant/persona/", assistant.persona_save, name="persona-save"),
    path("app/assistant/preview/", assistant.preview, name="preview"),
    path("app/assistant/knowledge/", assistant.knowledge_add, name="knowledge-add"),
    path("app/assistant/knowledge/import/", assistant.knowledge_import, name="knowledge-import"),
    path("app/assistant/knowledge/export/", assistant.knowledge_export, name="knowledge-export"),
    path("app/assistant/knowledge/<int:entry_id>/", assistant.knowledge_edit, name="knowledge-edit"),
    path("app/assistant/knowledge/<int:entry_id>/delete/", assistant.knowledge_delete, name="knowledge-delete"),
    path("app/numbers/", numbers.numbers, name="numbers"),
    path("app/numbers/<int:number_id>/qr.png", numbers.number_qr_png, name="number-qr"),
    path("app/usage/", usage.usage, name="usage"),
    path("app/usage/usage.csv", usage.usage_csv_download, name="usage-csv"),
    path("app/settings/api-keys/", api_keys.api_keys, name="api-keys"),
    path("app/settings/api-keys/<int:key_id>/revoke/", api_keys.api_key_revoke_view, name="api-key-revoke"),
    path("app/settings/webhooks/", webhooks.webhooks, name="webhooks"),
    path("app/settings/webhooks/<int:endpoint_id>/", webhooks.webhook, name="webhook"),
    path("app/settings/webhooks/<int:endpoint_id>/rotate/", webhooks.rotate_secret, name="webhook-rotate"),
    path("app/settings/webhooks/<int:endpoint_id>/delete/", webhooks.delete, name="webhook-delete"),
    path(
        "app/settings/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/",
        webhooks.redeliver,
        name="webhook-redeliver",
    ),
    path("app/settings/activity/", activity.activity, name="activity"),
    path("app/settings/team/", team.team, name="team"),
    path("app/settings/team/invitations/<int:invitation_id>/cancel/", team.invitation_revoke, name="invitation-revoke"),
    path("app/settings/team/members/<int:membership_id>/remove/", team.member_remove, name="member-remove"),
    path("accounts/join/<str:token>/", team.join, name="join"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
]
