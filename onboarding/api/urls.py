from django.urls import path

from onboarding.api import views

urlpatterns = [
    path("clients/register", views.RegisterClientApi.as_view(), name="api-clients-register"),
    path("clients/add-whatsapp", views.AddWhatsAppApi.as_view(), name="api-clients-add-whatsapp"),
    path("clients/resend-code", views.ResendCodeApi.as_view(), name="api-clients-resend-code"),
    path("clients/verify-whatsapp", views.VerifyWhatsAppApi.as_view(), name="api-clients-verify-whatsapp"),
    path("clients/embedded-signup", views.EmbeddedSignupApi.as_view(), name="api-clients-embedded-signup"),
    path(
        "clients/embedded-signup/number", views.EmbeddedNumberApi.as_view(), name="api-clients-embedded-signup-number"
    ),
    path("clients/business-profile", views.BusinessProfileApi.as_view(), name="api-clients-business-profile"),
    path("clients/onboarding-status", views.OnboardingStatusApi.as_view(), name="api-clients-onboarding-status"),
    path("register-client-number", views.RegisterClientNumberApi.as_view(), name="api-register-client-number"),
    path("hosted-capacity", views.HostedCapacityApi.as_view(), name="api-hosted-capacity"),
]
