-- feedback_submit_locked, version 1 (feedback migration 0035): feedback_submit under two
-- transaction-level advisory locks, on the employee and on the device, so the flag rules' counts
-- (answers for this employee from this network; employees this device answered) are read after
-- every concurrent answer that could change them has committed. Without them six answers sent at
-- once all read "none before me" and all counted. Always the employee first, then the device: no
-- two submissions wait on each other in a cycle. Held until the statement's transaction commits.
CREATE OR REPLACE FUNCTION feedback_submit_locked(
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
BEGIN
    PERFORM pg_advisory_xact_lock(74101, p_employee_id);
    PERFORM pg_advisory_xact_lock(74102, hashtext(p_device_hash));
    SELECT s.outcome, s.response_id, s.response_status INTO outcome, response_id, response_status
      FROM feedback_submit(p_employee_id, p_code_id, p_submission_id, p_device_hash, p_ip_hash,
                           p_q1, p_q2, p_q3, p_q4, p_comment, p_now, p_day, p_ip_since,
                           p_ip_threshold, p_ip_rule, p_device_since, p_device_threshold,
                           p_device_rule, p_nation) AS s;
END
$$;
