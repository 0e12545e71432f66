"""The operator reads the audit trail in the back office; nobody edits or deletes it there."""

from django.contrib import admin

from audit.models import AuditEntry
from audit.services import audit_record, snapshot


def _json_safe(value):
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "actor_kind", "action", "client_label", "object_repr", "ip_address")
    list_filter = ("actor_kind", "action")
    search_fields = ("actor_label", "client_label", "object_repr", "action", "object_id")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AuditedChangesAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves are audited with the changed fields' values before and after.

    `audit_client(obj)` names the client the row belongs to (the row itself for a Client).
    """

    audit_action = ""

    def audit_client(self, obj):
        return getattr(obj, "client_id", None)

    def save_model(self, request, obj, form, change):
        fields = [name for name in form.changed_data if hasattr(obj, name)]
        before = None
        if change:  # the form's initial values are the row as it was
            before = {name: _json_safe(form.initial.get(name)) for name in fields}
        super().save_model(request, obj, form, change)
        if fields or not change:
            action = self.audit_action or obj._meta.model_name
            audit_record(
                action=f"{action}.{'changed' if change else 'created'}",
                client=self.audit_client(obj),
                obj=obj,
                before=before,
                after=snapshot(obj, fields),
                actor=request.user,
            )
