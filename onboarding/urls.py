"""Onboarding pages (mounted at the site root by crm/urls.py)."""

from django.urls import path

from onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("onboarding/capacity/", views.capacity, name="capacity"),
    path("onboarding/resume/", views.resume, name="resume"),
    path("onboarding/<str:setup_code>/", views.home, name="home"),
    path("onboarding/<str:setup_code>/qr.png", views.setup_qr_png, name="setup-qr"),
    path("onboarding/<str:setup_code>/hosted/", views.hosted, name="hosted"),
    path("onboarding/<str:setup_code>/verify/", views.verify, name="verify"),
    path("onboarding/<str:setup_code>/resend/", views.resend, name="resend"),
    path("onboarding/<str:setup_code>/connect/", views.connect, name="connect"),
    path("onboarding/<str:setup_code>/business/", views.business, name="business"),
    path("onboarding/<str:setup_code>/live/", views.live, name="live"),
    path("onboarding/<str:setup_code>/whatsapp-qr.png", views.chat_qr_png, name="chat-qr"),
    path("onboarding/<str:setup_code>/password/", views.set_password, name="password"),
]
