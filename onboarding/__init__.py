"""Onboarding: sign-up, setup codes and QR, hosted numbers and Embedded Signup, Meta's errors in people's words."""
