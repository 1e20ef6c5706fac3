ALTER TABLE "enrollments" ADD COLUMN "status_changed_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "enrollments" ADD COLUMN "revoke_purge" boolean;--> statement-breakpoint
ALTER TABLE "enrollments" ADD COLUMN "revoke_actor" text;--> statement-breakpoint
ALTER TABLE "enrollments" ADD COLUMN "data_purged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "reconcile_suspect" jsonb;--> statement-breakpoint
UPDATE "enrollments" SET "status_changed_at" = coalesce("revoked_at", CASE WHEN "status" = 'reauth_required' THEN "last_error_at" END, "updated_at");--> statement-breakpoint
CREATE FUNCTION bbsync_enrollment_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    NEW.status_changed_at := now();
  END IF;
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER enrollments_status_changed BEFORE UPDATE OF status ON "enrollments"
  FOR EACH ROW EXECUTE FUNCTION bbsync_enrollment_status_changed();--> statement-breakpoint
COMMENT ON COLUMN enrollments.status IS 'active | reauth_required | revoking | revoked. revoking: an unenroll that has not finished (resumed by the janitor and bbsync unenroll).';--> statement-breakpoint
COMMENT ON COLUMN enrollments.status_changed_at IS 'When status last changed (set by a trigger); RETENTION_DAYS_AFTER_REVOKE counts from here.';--> statement-breakpoint
COMMENT ON COLUMN enrollments.revoke_purge IS 'For a revoking enrollment: whether its data is to be deleted when the unenroll finishes.';--> statement-breakpoint
COMMENT ON COLUMN enrollments.revoke_actor IS 'For a revoking enrollment: who asked (recorded in the audit entry).';--> statement-breakpoint
COMMENT ON COLUMN enrollments.data_purged_at IS 'When the beneficiary''s data was deleted (unenroll purge or retention); patient_id then holds purged:<enrollment_id>.';--> statement-breakpoint
COMMENT ON COLUMN sync_state.reconcile_suspect IS 'Full walks that would have removed too much (RECONCILE_MAX_DELETE_SHARE), by resource type: unseen, held, at. Nothing was removed; the next sync is full and removes only if it finds the same.';
