CREATE TABLE "claim_care_team" (
	"claim_id" text NOT NULL,
	"sequence" integer NOT NULL,
	"role" text,
	"provider_id" text,
	"provider_id_type" text,
	"provider_name" text,
	"qualification_code" text,
	"last_updated" timestamp with time zone,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "claim_care_team_claim_id_sequence_pk" PRIMARY KEY("claim_id","sequence")
);
--> statement-breakpoint
CREATE TABLE "claim_diagnoses" (
	"claim_id" text NOT NULL,
	"sequence" integer NOT NULL,
	"code" text,
	"system" text,
	"display" text,
	"diagnosis_type" text,
	"present_on_admission" text,
	"last_updated" timestamp with time zone,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "claim_diagnoses_claim_id_sequence_pk" PRIMARY KEY("claim_id","sequence")
);
--> statement-breakpoint
CREATE TABLE "claim_financials" (
	"claim_id" text NOT NULL,
	"entry_index" integer NOT NULL,
	"source" text NOT NULL,
	"category" text,
	"variable" text,
	"amount" numeric(14, 2),
	"count_value" integer,
	"last_updated" timestamp with time zone,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "claim_financials_claim_id_entry_index_pk" PRIMARY KEY("claim_id","entry_index")
);
--> statement-breakpoint
CREATE TABLE "claim_line_adjudications" (
	"claim_id" text NOT NULL,
	"line_number" integer NOT NULL,
	"entry_index" integer NOT NULL,
	"category" text,
	"category_system" text,
	"variable" text,
	"amount" numeric(14, 2),
	"currency" text,
	"reason_code" text,
	"reason_system" text,
	"last_updated" timestamp with time zone,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "claim_line_adjudications_claim_id_line_number_entry_index_pk" PRIMARY KEY("claim_id","line_number","entry_index")
);
--> statement-breakpoint
CREATE TABLE "claim_lines" (
	"claim_id" text NOT NULL,
	"line_number" integer NOT NULL,
	"product_system" text,
	"product_code" text,
	"product_display" text,
	"modifiers" text[],
	"revenue_code" text,
	"place_of_service" text,
	"service_start" date,
	"service_end" date,
	"service_dates_from_claim" smallint DEFAULT 0 NOT NULL,
	"quantity" numeric,
	"submitted_amount" numeric(14, 2),
	"allowed_amount" numeric(14, 2),
	"paid_amount" numeric(14, 2),
	"patient_responsibility_amount" numeric(14, 2),
	"noncovered_amount" numeric(14, 2),
	"last_updated" timestamp with time zone,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "claim_lines_claim_id_line_number_pk" PRIMARY KEY("claim_id","line_number")
);
--> statement-breakpoint
CREATE TABLE "claim_procedures" (
	"claim_id" text NOT NULL,
	"sequence" integer NOT NULL,
	"code" text,
	"system" text,
	"display" text,
	"performed_on" date,
	"last_updated" timestamp with time zone,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "claim_procedures_claim_id_sequence_pk" PRIMARY KEY("claim_id","sequence")
);
--> statement-breakpoint
CREATE TABLE "claims" (
	"claim_id" text PRIMARY KEY NOT NULL,
	"patient_id" text NOT NULL,
	"claim_type" text NOT NULL,
	"claim_number" text,
	"claim_group" text,
	"nch_claim_type_code" text,
	"claim_category" text,
	"status" text,
	"outcome" text,
	"billable_start" date,
	"billable_end" date,
	"received_date" date,
	"paid_date" date,
	"admission_start" date,
	"admission_end" date,
	"coverage_id" text,
	"part" text,
	"provider_npi" text,
	"provider_ccn" text,
	"provider_name" text,
	"prescriber_npi" text,
	"attending_npi" text,
	"drg_code" text,
	"claim_frequency_code" text,
	"discharge_status" text,
	"facility_type_code" text,
	"days_supply" integer,
	"fill_number" integer,
	"payment_amount" numeric(14, 2),
	"submitted_amount" numeric(14, 2),
	"allowed_amount" numeric(14, 2),
	"patient_responsibility_amount" numeric(14, 2),
	"primary_payer_paid_amount" numeric(14, 2),
	"line_count" integer DEFAULT 0 NOT NULL,
	"last_updated" timestamp with time zone,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "coverages" (
	"coverage_id" text PRIMARY KEY NOT NULL,
	"patient_id" text NOT NULL,
	"part" text,
	"status" text,
	"period_start" date,
	"period_end" date,
	"subscriber_id" text,
	"medicare_status_code" text,
	"termination_code" text,
	"contract_id" text,
	"plan_id" text,
	"dual_status_code" text,
	"reference_year" smallint,
	"last_updated" timestamp with time zone,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fhir_resources" (
	"resource_type" text NOT NULL,
	"resource_id" text NOT NULL,
	"patient_id" text,
	"last_updated" timestamp with time zone,
	"content_hash" text NOT NULL,
	"resource" jsonb NOT NULL,
	"normalizer_version" smallint NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "fhir_resources_resource_type_resource_id_pk" PRIMARY KEY("resource_type","resource_id")
);
--> statement-breakpoint
CREATE TABLE "patients" (
	"patient_id" text PRIMARY KEY NOT NULL,
	"birth_date" date,
	"gender" text,
	"state" text,
	"postal_code" text,
	"race_code" text,
	"race_display" text,
	"deceased_at" date,
	"family_name" text,
	"given_name" text,
	"middle_initial" text,
	"mbi" text,
	"reference_year" smallint,
	"last_updated" timestamp with time zone,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "quarantined_resources" (
	"quarantine_id" bigserial PRIMARY KEY NOT NULL,
	"resource_type" text NOT NULL,
	"resource_id" text NOT NULL,
	"patient_id" text,
	"source" text NOT NULL,
	"reason" text NOT NULL,
	"resource" jsonb,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"occurrences" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "claim_care_team" ADD CONSTRAINT "claim_care_team_claim_id_claims_claim_id_fk" FOREIGN KEY ("claim_id") REFERENCES "public"."claims"("claim_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "claim_diagnoses" ADD CONSTRAINT "claim_diagnoses_claim_id_claims_claim_id_fk" FOREIGN KEY ("claim_id") REFERENCES "public"."claims"("claim_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "claim_financials" ADD CONSTRAINT "claim_financials_claim_id_claims_claim_id_fk" FOREIGN KEY ("claim_id") REFERENCES "public"."claims"("claim_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "claim_line_adjudications" ADD CONSTRAINT "claim_line_adjudications_claim_id_claims_claim_id_fk" FOREIGN KEY ("claim_id") REFERENCES "public"."claims"("claim_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "claim_lines" ADD CONSTRAINT "claim_lines_claim_id_claims_claim_id_fk" FOREIGN KEY ("claim_id") REFERENCES "public"."claims"("claim_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "claim_procedures" ADD CONSTRAINT "claim_procedures_claim_id_claims_claim_id_fk" FOREIGN KEY ("claim_id") REFERENCES "public"."claims"("claim_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "claim_diagnoses_code_idx" ON "claim_diagnoses" USING btree ("code");--> statement-breakpoint
CREATE INDEX "claim_line_adjudications_variable_idx" ON "claim_line_adjudications" USING btree ("variable");--> statement-breakpoint
CREATE INDEX "claim_lines_product_idx" ON "claim_lines" USING btree ("product_code");--> statement-breakpoint
CREATE INDEX "claim_procedures_code_idx" ON "claim_procedures" USING btree ("code");--> statement-breakpoint
CREATE INDEX "claims_patient_idx" ON "claims" USING btree ("patient_id","billable_start");--> statement-breakpoint
CREATE INDEX "claims_type_date_idx" ON "claims" USING btree ("claim_type","billable_start");--> statement-breakpoint
CREATE INDEX "claims_billable_start_idx" ON "claims" USING btree ("billable_start");--> statement-breakpoint
CREATE INDEX "coverages_patient_idx" ON "coverages" USING btree ("patient_id");--> statement-breakpoint
CREATE INDEX "fhir_resources_patient_idx" ON "fhir_resources" USING btree ("patient_id");--> statement-breakpoint
CREATE UNIQUE INDEX "quarantined_resources_resource_idx" ON "quarantined_resources" USING btree ("resource_type","resource_id");--> statement-breakpoint
CREATE INDEX "quarantined_resources_patient_idx" ON "quarantined_resources" USING btree ("patient_id");