"""On PostgreSQL the audit trail is append-only in the database too, whoever connects: a trigger refuses
every DELETE, and every UPDATE except two —
- the actor's id set to NULL (a deleted user: the label keeps who it was), and
- a redaction of personal data (actor_label, object_repr, reason, data only) while the session setting
  `matchday.allow_audit_redaction` is 'on', which only audit.services.audit_redact sets (SET LOCAL).
TRUNCATE is left alone: test databases are emptied with it between transactional tests.
SQLite has no such guard (the Python guard in audit.models holds there)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit events are append-only: DELETE refused' USING ERRCODE = 'P0001';
    END IF;
    IF (NEW.id, NEW.created_at, NEW.verb, NEW.content_type_id, NEW.object_id, NEW.from_state, NEW.to_state)
        IS DISTINCT FROM (OLD.id, OLD.created_at, OLD.verb, OLD.content_type_id, OLD.object_id, OLD.from_state, OLD.to_state)
       OR (NEW.actor_id IS DISTINCT FROM OLD.actor_id AND NEW.actor_id IS NOT NULL) THEN
        RAISE EXCEPTION 'audit events are append-only: UPDATE refused' USING ERRCODE = 'P0001';
    END IF;
    IF (NEW.actor_label, NEW.object_repr, NEW.reason, NEW.data)
        IS DISTINCT FROM (OLD.actor_label, OLD.object_repr, OLD.reason, OLD.data)
       AND coalesce(current_setting('matchday.allow_audit_redaction', true), '') <> 'on' THEN
        RAISE EXCEPTION 'audit events are append-only: UPDATE refused (redaction goes through audit_redact)'
            USING ERRCODE = 'P0001';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_guard, drop_guard)]
