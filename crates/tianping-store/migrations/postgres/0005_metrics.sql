-- Quality metrics, pre-aggregated (postgres). Both tables are projections of the events, maintained by
-- ingest in the transaction that records them (not ledgered, like the clock rows).
--
-- metric_facts: what the counters need to know about each case (tianping_domain::metrics::CaseFacts),
-- as last added to the totals; the drill-down lists read it, so a number and its case list come
-- from the same facts.
CREATE TABLE metric_facts (
    case_id BIGINT PRIMARY KEY REFERENCES cases(id),
    org_id TEXT NOT NULL,
    region_path TEXT NOT NULL,
    agency_kind TEXT NOT NULL,
    kind TEXT NOT NULL,
    procedure TEXT NOT NULL,
    filed TEXT NOT NULL,
    closed TEXT,
    disposition TEXT,
    small_claims BIGINT NOT NULL,
    appealed BIGINT NOT NULL,
    limit_outcome TEXT NOT NULL,
    claim_amount_yuan BIGINT,
    amount_yuan BIGINT,
    has_origin BIGINT NOT NULL,
    extra_procedures BIGINT NOT NULL,
    -- 终本 spells: 'from/to' days, ';'-separated (an open spell has an empty 'to').
    zhongben TEXT NOT NULL
);
CREATE INDEX metric_facts_region ON metric_facts(region_path, filed);
CREATE INDEX metric_facts_closed ON metric_facts(region_path, closed);

-- metric_totals: the sum of every case's per-day contributions (CaseFacts::contributions) per
-- agency kind and case kind: by month ('m', bucket = the first day of the month) at every region
-- node (each '/'-terminated prefix of the case's region path, so a subtree is one node), and by
-- day ('d', bucket = the day) at the case's own node only. A running sum up to a day is the node's
-- months up to that day's month plus, unless the day ends its month, the days of its month so far
-- across the subtree (the second index). One column per tianping_domain::metrics::columns().
CREATE TABLE metric_totals (
    node TEXT NOT NULL,
    agency_kind TEXT NOT NULL,
    kind TEXT NOT NULL,
    grain TEXT NOT NULL,
    bucket TEXT NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    closed BIGINT NOT NULL DEFAULT 0,
    closed_with_limit BIGINT NOT NULL DEFAULT 0,
    closed_late BIGINT NOT NULL DEFAULT 0,
    closed_days BIGINT NOT NULL DEFAULT 0,
    first_instance_closed BIGINT NOT NULL DEFAULT 0,
    appealable_closed BIGINT NOT NULL DEFAULT 0,
    appealed BIGINT NOT NULL DEFAULT 0,
    second_instance_closed BIGINT NOT NULL DEFAULT 0,
    second_instance_amended BIGINT NOT NULL DEFAULT 0,
    second_instance_remanded BIGINT NOT NULL DEFAULT 0,
    civil_first_instance_closed BIGINT NOT NULL DEFAULT 0,
    civil_first_instance_mediated_or_withdrawn BIGINT NOT NULL DEFAULT 0,
    execution_closed BIGINT NOT NULL DEFAULT 0,
    zhongben_closed BIGINT NOT NULL DEFAULT 0,
    execution_applied_yuan BIGINT NOT NULL DEFAULT 0,
    execution_paid_yuan BIGINT NOT NULL DEFAULT 0,
    court_received BIGINT NOT NULL DEFAULT 0,
    received_new_disputes BIGINT NOT NULL DEFAULT 0,
    prosecution_received BIGINT NOT NULL DEFAULT 0,
    prosecution_extra_procedures BIGINT NOT NULL DEFAULT 0,
    zhongben_entered BIGINT NOT NULL DEFAULT 0,
    zhongben_left BIGINT NOT NULL DEFAULT 0,
    stock_pending BIGINT NOT NULL DEFAULT 0,
    stock_over_6 BIGINT NOT NULL DEFAULT 0,
    stock_over_12 BIGINT NOT NULL DEFAULT 0,
    stock_over_18 BIGINT NOT NULL DEFAULT 0,
    stock_over_36 BIGINT NOT NULL DEFAULT 0,
    stock_zhongben BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (node, grain, bucket, agency_kind, kind)
);
CREATE INDEX metric_totals_days ON metric_totals (grain, bucket, node);
