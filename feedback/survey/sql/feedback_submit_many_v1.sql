-- feedback_submit_many, version 1 (feedback migration 0050): a batch of submissions in one
-- statement, for a web worker that collects concurrent answers and stores them together (one
-- commit, one round trip). Takes one array per argument of feedback_submit_locked (same names,
-- same order, all of one length) and returns one row per item, in input order (ordinal from 1).
--
-- Every advisory lock of the batch is taken first, in one global order: the employees' (74101)
-- ascending, then the devices' (74102, by hashtext) ascending. A single feedback_submit_locked
-- takes its employee's lock, then its device's, which is consistent with that order, so batches and
-- single calls running at once queue on each other and never wait in a cycle. Then each item runs
-- feedback_submit in input order, so a later item sees the earlier ones: a resend within the batch is
-- a duplicate, a second answer of one device for one employee the same day replaces the first, and
-- the flag rules count the earlier items. Everything commits with the statement's transaction; an
-- error in one item (a check constraint) fails the whole batch.
CREATE OR REPLACE FUNCTION feedback_submit_many(
    p_employee_id integer[],
    p_code_id integer[],
    p_submission_id varchar[],
    p_device_hash varchar[],
    p_ip_hash varchar[],
    p_q1 smallint[],
    p_q2 smallint[],
    p_q3 smallint[],
    p_q4 smallint[],
    p_comment text[],
    p_now timestamptz[],
    p_day date[],
    p_ip_since timestamptz[],
    p_ip_threshold integer[],
    p_ip_rule varchar[],
    p_device_since timestamptz[],
    p_device_threshold integer[],
    p_device_rule varchar[],
    p_nation varchar[]
) RETURNS TABLE (ordinal integer, outcome text, response_id bigint, response_status varchar)
LANGUAGE plpgsql AS $$
DECLARE
    n integer := coalesce(cardinality(p_employee_id), 0);
    lock_key integer;
BEGIN
    IF coalesce(cardinality(p_code_id), 0) <> n OR coalesce(cardinality(p_submission_id), 0) <> n
       OR coalesce(cardinality(p_device_hash), 0) <> n OR coalesce(cardinality(p_ip_hash), 0) <> n
       OR coalesce(cardinality(p_q1), 0) <> n OR coalesce(cardinality(p_q2), 0) <> n
       OR coalesce(cardinality(p_q3), 0) <> n OR coalesce(cardinality(p_q4), 0) <> n
       OR coalesce(cardinality(p_comment), 0) <> n OR coalesce(cardinality(p_now), 0) <> n
       OR coalesce(cardinality(p_day), 0) <> n OR coalesce(cardinality(p_ip_since), 0) <> n
       OR coalesce(cardinality(p_ip_threshold), 0) <> n OR coalesce(cardinality(p_ip_rule), 0) <> n
       OR coalesce(cardinality(p_device_since), 0) <> n
       OR coalesce(cardinality(p_device_threshold), 0) <> n
       OR coalesce(cardinality(p_device_rule), 0) <> n OR coalesce(cardinality(p_nation), 0) <> n THEN
        RAISE EXCEPTION 'feedback_submit_many: the arrays differ in length' USING ERRCODE = '22023';
    END IF;

    FOR lock_key IN SELECT DISTINCT e.k FROM unnest(p_employee_id) AS e (k) ORDER BY e.k LOOP
        PERFORM pg_advisory_xact_lock(74101, lock_key);
    END LOOP;
    FOR lock_key IN SELECT DISTINCT hashtext(d.h) AS k FROM unnest(p_device_hash) AS d (h) ORDER BY k LOOP
        PERFORM pg_advisory_xact_lock(74102, lock_key);
    END LOOP;

    FOR i IN 1 .. n LOOP
        SELECT s.outcome, s.response_id, s.response_status INTO outcome, response_id, response_status
          FROM feedback_submit(p_employee_id[i], p_code_id[i], p_submission_id[i], p_device_hash[i],
                               p_ip_hash[i], p_q1[i], p_q2[i], p_q3[i], p_q4[i], p_comment[i],
                               p_now[i], p_day[i], p_ip_since[i], p_ip_threshold[i], p_ip_rule[i],
                               p_device_since[i], p_device_threshold[i], p_device_rule[i],
                               p_nation[i]) AS s;
        ordinal := i;
        RETURN NEXT;
    END LOOP;
END
$$;
