import pytest

from whatsapp.models import Message, WebhookEvent


def inbound_payload(number, wamid="wamid.A1", text="Hola"):
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": number.waba_id,
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": number.phone_number.lstrip("+"),
                                "phone_number_id": number.phone_number_id,
                            },
                            "contacts": [{"profile": {"name": "Ana"}, "wa_id": "573001112233"}],
                            "messages": [
                                {
                                    "from": "573001112233",
                                    "id": wamid,
                                    "timestamp": "1763776000",
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }


@pytest.mark.django_db
def test_inbound_stored(number, post_webhook, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_webhook(inbound_payload(number))
    assert response.status_code == 200
    assert Message.objects.get(wamid="wamid.A1").text == "Hola"
    assert WebhookEvent.objects.get().outcome == "processed"
    assert len(callbacks) == 1
