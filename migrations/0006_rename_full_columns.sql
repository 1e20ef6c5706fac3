-- "full" is a reserved word in Postgres: every query had to quote it. The columns say what they mean now.
ALTER TABLE "sync_runs" RENAME COLUMN "full" TO "full_sync";--> statement-breakpoint
ALTER TABLE "sync_attempts" RENAME COLUMN "full" TO "full_sync";--> statement-breakpoint
ALTER TABLE "sync_progress" RENAME COLUMN "full" TO "full_sync";
