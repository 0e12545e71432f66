"""Contacts found or created from whichever identity a webhook or a send names (whatsapp.identity).

Lookups match the phone or the BSUID, so a customer known first by phone and later by BSUID (or the
reverse) stays one contact; what a webhook adds (a BSUID, a username, a newer profile name) is filled in.
Set-wise: one SELECT for all identities of a batch, one INSERT for the new ones, one UPDATE for the changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.prepared import prepared_cursor
from core.sql import column_arrays, insert_columns, insert_params, unnest_rows, update_rows
from tenants.models import Client, WhatsAppNumber
from whatsapp.identity import CustomerIdentity
from whatsapp.models import Contact, Conversation

logger = logging.getLogger(__name__)

_FILLED = ("parent_user_id", "username", "profile_name")


def contacts_upsert(*, client: Client | int, identities: Iterable[CustomerIdentity]) -> dict[str, Contact]:
    """The client's contact for every identity, by its phone and by its BSUID; created when new.

    A phone and a BSUID that name two stored contacts resolve to the one with the phone (nothing is merged
    silently: the BSUID stays where it is). Runs in the caller's transaction.
    """
    client_id = client if isinstance(client, int) else client.pk
    wanted = _merged([i for i in identities if i])
    if not wanted:
        return {}
    stored = _stored(client_id, wanted)
    found: dict[str, Contact] = {}
    new: list[Contact] = []
    changed: list[Contact] = []
    for identity in wanted:
        contact = stored.get(identity.wa_id) if identity.wa_id else None
        contact = contact or (stored.get(identity.user_id) if identity.user_id else None)
        if contact is None:
            contact = Contact(client_id=client_id, **_fields(identity))
            new.append(contact)
            _index(stored, contact)
        elif _fill(contact, identity, stored):
            changed.append(contact)
        for key in (identity.wa_id, identity.user_id):
            if key:
                found[key] = contact
    if new:
        _insert(client_id, new)
    if changed:
        now = timezone.now()
        for contact in changed:
            contact.updated_at = now
        names = ["wa_id", "user_id", *_FILLED, "updated_at"]
        update_rows(Contact, {c.pk: {name: getattr(c, name) for name in names} for c in changed})
    return found


def contact_upsert(*, client: Client | int, identity: CustomerIdentity) -> Contact:
    """One contact (see contacts_upsert); raises ValueError for an identity without phone or BSUID."""
    if not identity:
        raise ValueError("a contact needs a phone (wa_id) or a business-scoped user id")
    return contacts_upsert(client=client, identities=[identity])[identity.key]


def conversation_for(*, number: WhatsAppNumber, contact: Contact) -> Conversation:
    conversation, _ = Conversation.objects.get_or_create(
        number=number, contact=contact, defaults={"client": number.client}
    )
    return conversation


def _merged(identities: list[CustomerIdentity]) -> list[CustomerIdentity]:
    """One identity per customer of the batch: later messages complete earlier ones."""
    by_key: dict[str, CustomerIdentity] = {}
    for identity in identities:
        earlier = by_key.get(identity.wa_id) or by_key.get(identity.user_id)
        if earlier is not None:
            identity = CustomerIdentity(
                **{name: getattr(identity, name) or getattr(earlier, name) for name in _IDENTITY_FIELDS}
            )
        for key in (identity.wa_id, identity.user_id):
            if key:
                by_key[key] = identity
    return list({id(i): i for i in by_key.values()}.values())


_IDENTITY_FIELDS = ("wa_id", "user_id", *_FILLED)


def _stored(client_id: int, identities: list[CustomerIdentity]) -> dict[str, Contact]:
    phones = {i.wa_id for i in identities if i.wa_id}
    bsuids = {i.user_id for i in identities if i.user_id}
    match = Q(wa_id__in=phones) if phones else Q()
    if bsuids:
        match = match | Q(user_id__in=bsuids) if phones else Q(user_id__in=bsuids)
    stored: dict[str, Contact] = {}
    # Phones first: where a phone and a BSUID name two contacts, the phone's wins (see contacts_upsert).
    for contact in sorted(Contact.objects.filter(match, client_id=client_id), key=lambda c: not c.wa_id):
        _index(stored, contact)
    return stored


def _index(stored: dict[str, Contact], contact: Contact) -> None:
    for key in (contact.wa_id, contact.user_id):
        if key:
            stored.setdefault(key, contact)


def _fields(identity: CustomerIdentity) -> dict[str, str]:
    return {name: getattr(identity, name) for name in _IDENTITY_FIELDS}


def _fill(contact: Contact, identity: CustomerIdentity, stored: dict[str, Contact]) -> bool:
    """Complete the contact from the identity; True if anything changed. A phone or BSUID another
    contact holds is never copied (it would break their uniqueness)."""
    changed = False
    for name in ("wa_id", "user_id"):
        value = getattr(identity, name)
        if value and getattr(contact, name) != value and stored.get(value, contact) is contact:
            if getattr(contact, name) and name == "wa_id":
                continue  # a new phone comes with a user_changed_number event, not a profile update
            setattr(contact, name, value)
            stored[value] = contact
            changed = True
    for name in _FILLED:
        value = getattr(identity, name)
        if value and getattr(contact, name) != value:
            setattr(contact, name, value)
            changed = True
    return changed


def _insert(client_id: int, new: list[Contact]) -> None:
    """Insert the new contacts at once (PostgreSQL and SQLite return their ids); if a concurrent delivery
    created one of them meanwhile, one by one. On PostgreSQL one INSERT … ON CONFLICT DO NOTHING, with no
    savepoint: only the ones a concurrent delivery created take the slow way."""
    if connection.vendor == "postgresql":
        new = _insert_skipping_conflicts(new)
        if not new:
            return
    else:
        try:
            with transaction.atomic():
                Contact.objects.bulk_create(new)
            return
        except IntegrityError:
            pass
    logger.info("a contact was created concurrently; upserting %d contacts one by one", len(new))
    for contact in new:
        lookup = {"wa_id": contact.wa_id} if contact.wa_id else {"user_id": contact.user_id}
        with transaction.atomic():
            row, _ = Contact.objects.get_or_create(
                client_id=client_id, **lookup, defaults={n: getattr(contact, n) for n in _IDENTITY_FIELDS}
            )
        contact.pk, contact._state.adding, contact._state.db = row.pk, False, row._state.db


def _insert_skipping_conflicts(new: list[Contact]) -> list[Contact]:
    """INSERT the contacts, skipping any a concurrent delivery created; returns the skipped ones."""
    columns = ", ".join(insert_columns(Contact))
    with prepared_cursor() as cursor:  # one text whatever the number of contacts (core.sql.unnest_rows)
        cursor.execute(
            f"INSERT INTO {Contact._meta.db_table} ({columns}) SELECT {columns} FROM {unnest_rows(Contact, 'v')} "
            "ORDER BY order_ ON CONFLICT DO NOTHING RETURNING id, wa_id, user_id",
            column_arrays(insert_params(contact) for contact in new),
        )
        inserted = {(wa_id, user_id): pk for pk, wa_id, user_id in cursor.fetchall()}
    skipped = []
    for contact in new:
        pk = inserted.get((contact.wa_id, contact.user_id))
        if pk is None:
            skipped.append(contact)
        else:
            contact.pk, contact._state.adding, contact._state.db = pk, False, "default"
    return skipped
