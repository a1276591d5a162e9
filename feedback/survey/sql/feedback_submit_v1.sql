-- feedback_submit, version 1 (feedback migration 0032): a survey submission in one statement, the
-- rollup rows upserted inside it. Version 2 replaces the section marked rollup-change.
-- A version migrations have loaded never changes: a change is a new version and a new migration
-- (see feedback/survey/sql/README.md).
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
) LANGUAGE plpgsql AS $$
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
    SELECT r.id, r.status INTO response_id, response_status FROM responses r
     WHERE r.submission_id = p_submission_id;
    IF FOUND THEN
        outcome := 'duplicate';
        RETURN;
    END IF;
    IF desk.code_status <> 'active' OR NOT desk.active THEN
        outcome := 'closed';
        RETURN;
    END IF;

    SELECT count(*) INTO same_ip FROM responses r
     WHERE r.employee_id = p_employee_id AND r.ip_hash = p_ip_hash AND r.created_at >= p_ip_since;
    SELECT count(DISTINCT r.employee_id) INTO other_employees FROM responses r
     WHERE r.device_hash = p_device_hash AND r.employee_id <> p_employee_id
       AND r.created_at >= p_device_since;
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
    IF earlier.id IS NOT NULL THEN
        UPDATE responses SET replaced_by_id = response_id WHERE id = earlier.id;
    END IF;

    -- rows locked in one order (level, key), as the Python path does, so concurrent submissions
    -- queue on the nation and province rows instead of deadlocking
    INSERT INTO rollups AS t (level, key, day, count, sum_q1, sum_q2, sum_q3, sum_q4)
    SELECT d.level, d.key, p_day, sum(d.n), sum(d.s1), sum(d.s2), sum(d.s3), sum(d.s4)
      FROM (
        SELECT k.level, k.key, 1 AS n, p_q1::integer AS s1, p_q2::integer AS s2,
               p_q3::integer AS s3, p_q4::integer AS s4
          FROM (VALUES ('employee', p_employee_id::text),
                       ('unit', desk.agency_code || '/' || desk.unit),
                       ('agency', desk.agency_code),
                       ('county', desk.county_code),
                       ('province', desk.province_code),
                       ('nation', p_nation)) AS k (level, key)
        UNION ALL
        SELECT k.level, k.key, -1, -earlier.q1, -earlier.q2, -earlier.q3, -earlier.q4
          FROM (VALUES ('employee', p_employee_id::text),
                       ('unit', earlier.agency_code || '/' || earlier.unit),
                       ('agency', earlier.agency_code),
                       ('county', earlier.county_code),
                       ('province', earlier.province_code),
                       ('nation', p_nation)) AS k (level, key)
         WHERE earlier.id IS NOT NULL
      ) AS d
     GROUP BY d.level, d.key
    HAVING sum(d.n) <> 0 OR sum(d.s1) <> 0 OR sum(d.s2) <> 0 OR sum(d.s3) <> 0 OR sum(d.s4) <> 0
     ORDER BY d.level COLLATE "C", d.key COLLATE "C"
    ON CONFLICT (level, key, day) DO UPDATE
       SET count = t.count + excluded.count,
           sum_q1 = t.sum_q1 + excluded.sum_q1,
           sum_q2 = t.sum_q2 + excluded.sum_q2,
           sum_q3 = t.sum_q3 + excluded.sum_q3,
           sum_q4 = t.sum_q4 + excluded.sum_q4;

    IF earlier.id IS NOT NULL THEN
        -- a replacement that moved units: drop the rows the rebuild would not have
        DELETE FROM rollups t
         USING (VALUES ('unit', earlier.agency_code || '/' || earlier.unit),
                       ('agency', earlier.agency_code),
                       ('county', earlier.county_code),
                       ('province', earlier.province_code)) AS k (level, key)
         WHERE t.level = k.level AND t.key = k.key AND t.day = p_day AND t.count = 0;
    END IF;
    -- end section: rollup-change
END
$$;
