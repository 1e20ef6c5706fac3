CREATE TABLE "coverage_monthly" (
	"coverage_id" text NOT NULL,
	"patient_id" text NOT NULL,
	"month" date NOT NULL,
	"enrolled" boolean NOT NULL,
	"buyin_code" text,
	"hmo_indicator" text,
	"contract_id" text,
	"plan_id" text,
	"part_c_plan_type_code" text,
	"part_d_segment_id" text,
	"part_d_cost_share_code" text,
	"part_d_retiree_subsidy_code" text,
	"dual_status_code" text,
	"last_updated" timestamp with time zone,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "coverage_monthly_coverage_id_month_pk" PRIMARY KEY("coverage_id","month")
);
--> statement-breakpoint
ALTER TABLE "coverage_monthly" ADD CONSTRAINT "coverage_monthly_coverage_id_coverages_coverage_id_fk" FOREIGN KEY ("coverage_id") REFERENCES "public"."coverages"("coverage_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "coverage_monthly_patient_idx" ON "coverage_monthly" USING btree ("patient_id","month");