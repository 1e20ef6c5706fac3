CREATE TABLE "deployment_alerts" (
	"alert_id" bigserial PRIMARY KEY NOT NULL,
	"condition" text NOT NULL,
	"since" timestamp with time zone DEFAULT now() NOT NULL,
	"answer" text NOT NULL,
	"last_probe_at" timestamp with time zone,
	"last_probe_answer" text,
	"probes" integer DEFAULT 0 NOT NULL,
	"ended_at" timestamp with time zone,
	"ended_by" text
);
--> statement-breakpoint
CREATE UNIQUE INDEX "deployment_alerts_open_idx" ON "deployment_alerts" USING btree ("condition") WHERE ended_at IS NULL;--> statement-breakpoint
COMMENT ON TABLE deployment_alerts IS 'Conditions of the whole deployment, one row per episode; today only app_inactive: Blue Button says the application is temporarily inactive, the sync queue is paused (no attempt spent, no enrollment marked) until a probe finds it accepted again or an operator resumes. At most one open row (ended_at NULL) per condition.';--> statement-breakpoint
COMMENT ON COLUMN deployment_alerts.alert_id IS 'Surrogate key.';--> statement-breakpoint
COMMENT ON COLUMN deployment_alerts.condition IS 'Which condition: app_inactive.';--> statement-breakpoint
COMMENT ON COLUMN deployment_alerts.since IS 'When a sync first met the condition (our clock).';--> statement-breakpoint
COMMENT ON COLUMN deployment_alerts.answer IS 'Blue Button''s answer that raised it (status and message; no tokens, no PHI).';--> statement-breakpoint
COMMENT ON COLUMN deployment_alerts.last_probe_at IS 'When a worker last asked Blue Button whether it accepts the application again (at most every APP_INACTIVE_PROBE_MS); NULL before the first probe.';--> statement-breakpoint
COMMENT ON COLUMN deployment_alerts.last_probe_answer IS 'What that probe got: still inactive with Blue Button''s answer, or why there was no answer (network, 5xx).';--> statement-breakpoint
COMMENT ON COLUMN deployment_alerts.probes IS 'How many probes were made during this episode.';--> statement-breakpoint
COMMENT ON COLUMN deployment_alerts.ended_at IS 'When the condition ended and syncs resumed; NULL while it holds.';--> statement-breakpoint
COMMENT ON COLUMN deployment_alerts.ended_by IS 'What ended it: probe (Blue Button accepted the application again), or the operator who resumed (dashboard:NAME, cli:NAME).';
