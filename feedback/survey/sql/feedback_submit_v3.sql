-- whole version
-- feedback_submit, version 3 (feedback migration 0050), the live one: written whole, as its
-- change is outside version 2's one section. The resend look-up names the employee and the two days
-- a resend's original can be on (a form token lives at most 24 hours: the original is dated p_day or
-- the day before), and the flag rules' counts the same two days (their windows, 10 and 30 minutes,
-- never reach further back), so each reads at most two monthly partitions of `responses` instead of
-- all of them, and the resend look-up stays on the employee's shard (docs/feedback-scale.md). The
-- link from a replaced answer to its replacement names its employee and days too.
--
-- The days are named as `r.day = ANY (ARRAY[p_day - 1, p_day])`, not as a BETWEEN: in a generic
-- plan a BETWEEN of parameters is estimated at 0.5% of the rows whatever the statistics say, so on
-- a partition not yet analyzed (a new month's) the planner took the index on the day alone and
-- read every answer of the day on each look-up; estimated as two equalities, the day loses to the
-- look-ups' own indexes with statistics or without. Later versions patch the sections marked below.
CREATE OR REPLACE FUNCTION feedback_submit(
    p_employee_id integer,
    p_code_id integer,
    p_submission_id varchar,
    p_device_hash varchar,
    p_ip_hash varchar,
    p_q1 smallint,
    p_q2 smallint,
    p_q3 smallint,
    p_q4 smallint,
    p_comment text,
    p_now timestamptz,
    p_day date,
    p_ip_since timestamptz,
    p_ip_threshold integer,
    p_ip_rule varchar,
    p_device_since timestamptz,
    p_device_threshold integer,
    p_device_rule varchar,
    p_nation varchar,
    OUT outcome text,
    OUT response_id bigint,
    OUT response_status varchar
) LANGUAGE plpgsql
-- Planned once per connection, generically, the partitions pruned as each statement runs
-- ("Subplans Removed"): left to choose, the plan cache re-planned the day-bounded look-ups on every
-- call (a custom plan prunes while planning, so it looks cheaper), which cost more CPU than
-- reading every partition had.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    desk record;
    earlier record;
    same_ip integer;
    other_employees integer;
    rule varchar;
BEGIN
    SELECT c.status AS code_status, e.active, e.unit, e.agency_code, e.province_code, e.county_code
      INTO desk
      FROM employee_codes c JOIN employees e ON e.id = c.employee_id
     WHERE c.id = p_code_id AND c.employee_id = p_employee_id;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    -- a resend of a stored submission (also of one sent before the code closed) is acknowledged
    -- section: resend
    SELECT r.id, r.status INTO response_id, response_status FROM responses r
     WHERE r.submission_id = p_submission_id AND r.employee_id = p_employee_id
       AND r.day = ANY (ARRAY[p_day - 1, p_day]);
    -- end section: resend
    IF FOUND THEN
        outcome := 'duplicate';
        RETURN;
    END IF;
    IF desk.code_status <> 'active' OR NOT desk.active THEN
        outcome := 'closed';
        RETURN;
    END IF;

    -- section: rule-counts
    SELECT count(*) INTO same_ip FROM responses r
     WHERE r.employee_id = p_employee_id AND r.ip_hash = p_ip_hash AND r.created_at >= p_ip_since
       AND r.day = ANY (ARRAY[p_day - 1, p_day]);
    SELECT count(DISTINCT r.employee_id) INTO other_employees FROM responses r
     WHERE r.device_hash = p_device_hash AND r.employee_id <> p_employee_id
       AND r.created_at >= p_device_since AND r.day = ANY (ARRAY[p_day - 1, p_day]);
    -- end section: rule-counts
    IF same_ip >= p_ip_threshold THEN
        rule := p_ip_rule;
    ELSIF other_employees >= p_device_threshold - 1 THEN
        rule := p_device_rule;
    END IF;

    IF rule IS NULL THEN
        -- the earlier answer stops counting before the new one takes its slot (partial unique index)
        UPDATE responses r SET status = 'replaced'
         WHERE r.employee_id = p_employee_id AND r.device_hash = p_device_hash AND r.day = p_day
           AND r.status = 'counted'
        RETURNING r.id, r.q1, r.q2, r.q3, r.q4, r.unit, r.agency_code, r.province_code, r.county_code
          INTO earlier;
    END IF;

    INSERT INTO responses (employee_id, code_id, day, device_hash, ip_hash, q1, q2, q3, q4, comment,
                           status, flag_rule, submission_id, unit, agency_code, province_code,
                           county_code, created_at)
    VALUES (p_employee_id, p_code_id, p_day, p_device_hash, p_ip_hash, p_q1, p_q2, p_q3, p_q4,
            p_comment, CASE WHEN rule IS NULL THEN 'counted' ELSE 'flagged' END, rule,
            p_submission_id, desk.unit, desk.agency_code, desk.province_code, desk.county_code, p_now)
    RETURNING id, status INTO response_id, response_status;
    outcome := 'stored';
    IF rule IS NOT NULL THEN
        RETURN;
    END IF;
    -- section: rollup-change
    -- the rollup change, committed with the row; feedback_fold_rollups applies it
    IF earlier.id IS NULL THEN
        INSERT INTO rollup_deltas (day, employee_id, unit, agency_code, county_code, province_code,
                                   n, q1, q2, q3, q4)
        VALUES (p_day, p_employee_id, desk.unit, desk.agency_code, desk.county_code,
                desk.province_code, 1, p_q1, p_q2, p_q3, p_q4);
    ELSE
        -- the earlier answer is of this day; named as the look-ups above name the days
        UPDATE responses r SET replaced_by_id = response_id
         WHERE r.id = earlier.id AND r.employee_id = p_employee_id
           AND r.day = ANY (ARRAY[p_day - 1, p_day]);
        INSERT INTO rollup_deltas (day, employee_id, unit, agency_code, county_code, province_code,
                                   n, q1, q2, q3, q4)
        VALUES (p_day, p_employee_id, desk.unit, desk.agency_code, desk.county_code,
                desk.province_code, 1, p_q1, p_q2, p_q3, p_q4),
               (p_day, p_employee_id, earlier.unit, earlier.agency_code, earlier.county_code,
                earlier.province_code, -1, -earlier.q1, -earlier.q2, -earlier.q3, -earlier.q4);
    END IF;
    -- end section: rollup-change
END
$$;

