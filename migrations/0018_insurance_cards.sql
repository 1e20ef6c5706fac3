CREATE TABLE "insurance_cards" (
	"patient_id" text PRIMARY KEY NOT NULL,
	"enrollment_id" text NOT NULL,
	"card" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"plans" text[] NOT NULL,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
COMMENT ON TABLE insurance_cards IS 'The Digital Insurance Card of each v3 beneficiary (BB2 v3 Patient/$generate-insurance-card, CARIN C4DIC): the collection Bundle as Blue Button sent it, refreshed by every v3 sync whose scopes include a Patient and a Coverage read scope. v2 has no card. Holds PHI (name, MBI): the dashboard shows only the plans, periods and plan ids; `bbsync insurance-card` prints it whole.';--> statement-breakpoint
COMMENT ON COLUMN insurance_cards.patient_id IS 'The v3 patient id of the beneficiary (enrollments.patient_id).';--> statement-breakpoint
COMMENT ON COLUMN insurance_cards.enrollment_id IS 'The enrollment whose access token fetched the card.';--> statement-breakpoint
COMMENT ON COLUMN insurance_cards.card IS 'The Bundle (type collection) as received: one C4DIC-Patient, one C4DIC-Organization (CMS, with its Medicare contact numbers), one C4DIC-Coverage per part (A, B, C, D, dual) with subscriberId = MBI, period, plan class and for Part D rxid/rxgroup/rxbin/rxpcn.';--> statement-breakpoint
COMMENT ON COLUMN insurance_cards.content_hash IS 'sha256 of the card''s JSON text; a fetch with the same hash only moves fetched_at.';--> statement-breakpoint
COMMENT ON COLUMN insurance_cards.plans IS 'The plans on the card in Bundle order, from each Coverage''s plan class: Part A, Part B, Part C, Part D, Dual Medicare/Medicaid.';--> statement-breakpoint
COMMENT ON COLUMN insurance_cards.fetched_at IS 'When a sync last fetched the card (whether or not it changed).';--> statement-breakpoint
COMMENT ON COLUMN insurance_cards.changed_at IS 'When the card''s content last changed (first stored, or a fetch with a new content_hash).';
