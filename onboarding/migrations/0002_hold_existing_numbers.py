"""Hosted numbers added before holds existed get one, so the capacity count and the sweep know them.

A live number's hold is live; any other is held from when its row was created, so the sweep removes it from
Meta (at once if it failed, else once it is older than ONBOARDING_NUMBER_TTL_HOURS). Disconnected numbers are not counted, as before.
"""

from django.db import migrations

LIVE = ("active", "suspended")


def hold_existing(apps, schema_editor):
    number_model = apps.get_model("tenants", "WhatsAppNumber")
    account_model = apps.get_model("onboarding", "HostedAccount")
    reservation_model = apps.get_model("onboarding", "HostedReservation")
    numbers = (
        number_model.objects.filter(connection_type="hosted", phone_number_id__isnull=False)
        .exclude(status="disconnected")
        .exclude(waba_id="")
        .order_by("-updated_at", "-id")  # a client's latest attempt gets its hold
    )
    holding: set[int] = set()
    for number in numbers:
        live = number.status in LIVE
        if not live and number.client_id in holding:
            continue  # one hold per client; a further old attempt is still counted as a number without a hold
        if not live:
            holding.add(number.client_id)
        account, _ = account_model.objects.get_or_create(waba_id=number.waba_id)
        reservation_model.objects.get_or_create(
            client_id=number.client_id,
            phone_number=number.phone_number,
            defaults={
                "account": account,
                "number": number,
                "phone_number_id": number.phone_number_id,
                "state": "live" if live else "held",  # a failed one still sits in Meta's account
                "reserved_at": number.created_at,
                "live_at": number.activated_at if live else None,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("onboarding", "0001_hosted_reservations")]

    operations = [migrations.RunPython(hold_existing, migrations.RunPython.noop)]
