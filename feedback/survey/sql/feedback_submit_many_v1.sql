-- feedback_submit_many, version 1 (feedback migration 0050): a batch of submissions in one
-- statement, for a web worker that collects concurrent answers and stores them together (one
-- commit, one round trip). Takes the batch as one JSON array (jsonb: read once, each field then
-- taken without parsing again), each item an array of feedback_submit_locked's arguments in its order (the web app builds it from the same list of
-- names, `feedback.survey.services._ARGUMENTS`): one text parameter costs the client less than an
-- array per argument, and the items are read once, here. Returns one row per item, in input order
-- (ordinal from 1).
--
-- Every advisory lock of the batch is taken first, in one global order: the employees' (74101)
-- ascending, then the devices' (74102, by hashtext) ascending. A single feedback_submit_locked
-- takes its employee's lock, then its device's, which is consistent with that order, so batches and
-- single calls running at once queue on each other and never wait in a cycle. Then each item runs
-- feedback_submit in input order, so a later item sees the earlier ones: a resend within the batch is
-- a duplicate, a second answer of one device for one employee the same day replaces the first, and
-- the flag rules count the earlier items. Everything commits with the statement's transaction; an
-- error in one item (a check constraint) fails the whole batch.
CREATE OR REPLACE FUNCTION feedback_submit_many(p_batch jsonb)
RETURNS TABLE (ordinal integer, outcome text, response_id bigint, response_status varchar)
LANGUAGE plpgsql AS $$
DECLARE
    lock_key integer;
    item jsonb;
BEGIN
    FOR lock_key IN SELECT DISTINCT (e.v ->> 0)::integer AS k FROM jsonb_array_elements(p_batch) AS e (v)
                     ORDER BY k LOOP
        PERFORM pg_advisory_xact_lock(74101, lock_key);
    END LOOP;
    FOR lock_key IN SELECT DISTINCT hashtext(e.v ->> 3) AS k FROM jsonb_array_elements(p_batch) AS e (v)
                     ORDER BY k LOOP
        PERFORM pg_advisory_xact_lock(74102, lock_key);
    END LOOP;

    FOR item, ordinal IN SELECT e.v, e.n FROM jsonb_array_elements(p_batch) WITH ORDINALITY AS e (v, n)
                          ORDER BY e.n LOOP
        SELECT s.outcome, s.response_id, s.response_status INTO outcome, response_id, response_status
          FROM feedback_submit((item ->> 0)::integer, (item ->> 1)::integer, item ->> 2, item ->> 3,
                               item ->> 4, (item ->> 5)::smallint, (item ->> 6)::smallint,
                               (item ->> 7)::smallint, (item ->> 8)::smallint, item ->> 9,
                               (item ->> 10)::timestamptz, (item ->> 11)::date,
                               (item ->> 12)::timestamptz, (item ->> 13)::integer, item ->> 14,
                               (item ->> 15)::timestamptz, (item ->> 16)::integer, item ->> 17,
                               item ->> 18) AS s;
        RETURN NEXT;
    END LOOP;
END
$$;
