-- feedback_fold_totals, version 1 (feedback migration 0039), the live one: advances the periods to
-- the caller's day, then applies the pending rollup_deltas to the all-time totals, the periods and
-- the day series (the worker every two seconds, every reader first). It replaces
-- feedback_fold_rollups (the per-day rollups at every level). The Python twin for the embedded
-- SQLite is feedback.rollups.services.advance and apply_deltas.
-- A loaded version never changes: a new behaviour is a new file, loaded by a new migration.
CREATE OR REPLACE FUNCTION feedback_fold_totals(p_nation varchar, p_today date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    folded integer;
    old_as_of date;
    new_as_of date;
    p integer;
BEGIN
    -- one fold at a time: a caller that finds one running leaves the pending rows to it (or the next)
    IF NOT pg_try_advisory_xact_lock(7340032001) THEN
        RETURN 0;
    END IF;
    -- a rebuild holds the rollups (and consumes the pending rows itself): never wait behind it
    BEGIN
        LOCK TABLE rollup_totals, rollup_periods, rollups IN ROW EXCLUSIVE MODE NOWAIT;
    EXCEPTION WHEN lock_not_available THEN
        RETURN 0;
    END;

    -- section: advance
    -- as_of only moves forward; every change applied so far has a day <= as_of
    SELECT as_of INTO old_as_of FROM rollup_state WHERE id = 1;
    new_as_of := greatest(old_as_of, p_today, (SELECT max(day) FROM rollup_deltas));
    IF old_as_of IS NULL THEN
        INSERT INTO rollup_state (id, as_of) VALUES (1, new_as_of);
    ELSIF new_as_of > old_as_of THEN
        FOREACH p IN ARRAY ARRAY[1, 7, 30, 90, 365] LOOP
            IF new_as_of - old_as_of >= p THEN
                DELETE FROM rollup_periods WHERE days = p;  -- the whole period left
            ELSE
                -- what the leaving days hold in the period: their counted rows less the changes
                -- still pending for them, read in one statement (one snapshot)
                WITH leaving AS (
                    SELECT employee_id, unit, agency_code, county_code, province_code,
                           1 AS n, q1::integer AS q1, q2::integer AS q2, q3::integer AS q3,
                           q4::integer AS q4
                      FROM responses
                     WHERE status = 'counted' AND day > old_as_of - p AND day <= new_as_of - p
                    UNION ALL
                    SELECT employee_id, unit, agency_code, county_code, province_code,
                           -n, -q1, -q2, -q3, -q4
                      FROM rollup_deltas
                     WHERE day > old_as_of - p AND day <= new_as_of - p
                ), summed AS (
                    SELECT k.level, k.key, sum(l.n) AS n, sum(l.q1) AS s1, sum(l.q2) AS s2,
                           sum(l.q3) AS s3, sum(l.q4) AS s4
                      FROM leaving l
                      CROSS JOIN LATERAL (VALUES ('employee', l.employee_id::text),
                                                 ('unit', l.agency_code || '/' || l.unit),
                                                 ('agency', l.agency_code::text),
                                                 ('county', l.county_code::text),
                                                 ('province', l.province_code::text),
                                                 ('nation', p_nation::text)) AS k (level, key)
                     GROUP BY k.level, k.key
                )
                UPDATE rollup_periods t
                   SET count = t.count - s.n, sum_q1 = t.sum_q1 - s.s1, sum_q2 = t.sum_q2 - s.s2,
                       sum_q3 = t.sum_q3 - s.s3, sum_q4 = t.sum_q4 - s.s4
                  FROM summed s
                 WHERE t.level = s.level AND t.days = p AND t.key = s.key;
            END IF;
        END LOOP;
        UPDATE rollup_state SET as_of = new_as_of WHERE id = 1;
        DELETE FROM rollup_periods WHERE count = 0;
    END IF;
    -- end section: advance

    -- section: fold
    -- a change of a day after as_of (a submission past midnight, after the day was read) waits for
    -- the next fold, which advances first
    WITH moved AS (
        DELETE FROM rollup_deltas WHERE day <= new_as_of RETURNING *
    ), keyed AS (
        SELECT k.level, k.key, m.day, m.n::integer AS n, m.q1::integer AS q1, m.q2::integer AS q2,
               m.q3::integer AS q3, m.q4::integer AS q4
          FROM moved m
          CROSS JOIN LATERAL (VALUES ('employee', m.employee_id::text),
                                     ('unit', m.agency_code || '/' || m.unit),
                                     ('agency', m.agency_code::text),
                                     ('county', m.county_code::text),
                                     ('province', m.province_code::text),
                                     ('nation', p_nation::text)) AS k (level, key)
    ), totals AS (
        INSERT INTO rollup_totals AS t (level, key, count, sum_q1, sum_q2, sum_q3, sum_q4, last_day)
        SELECT level, key, sum(n), sum(q1), sum(q2), sum(q3), sum(q4),
               CASE WHEN level = 'employee' THEN max(day) FILTER (WHERE n > 0) END
          FROM keyed
         GROUP BY level, key
        HAVING sum(n) <> 0 OR sum(q1) <> 0 OR sum(q2) <> 0 OR sum(q3) <> 0 OR sum(q4) <> 0
        ON CONFLICT (level, key) DO UPDATE
           SET count = t.count + excluded.count,
               sum_q1 = t.sum_q1 + excluded.sum_q1,
               sum_q2 = t.sum_q2 + excluded.sum_q2,
               sum_q3 = t.sum_q3 + excluded.sum_q3,
               sum_q4 = t.sum_q4 + excluded.sum_q4,
               last_day = coalesce(greatest(t.last_day, excluded.last_day), t.last_day,
                                   excluded.last_day)
    ), periods AS (
        INSERT INTO rollup_periods AS t (level, days, key, count, sum_q1, sum_q2, sum_q3, sum_q4)
        SELECT k.level, d.days, k.key, sum(k.n), sum(k.q1), sum(k.q2), sum(k.q3), sum(k.q4)
          FROM keyed k
          JOIN unnest(ARRAY[1, 7, 30, 90, 365]) AS d (days) ON k.day > new_as_of - d.days
         GROUP BY k.level, d.days, k.key
        HAVING sum(k.n) <> 0 OR sum(k.q1) <> 0 OR sum(k.q2) <> 0 OR sum(k.q3) <> 0 OR sum(k.q4) <> 0
        ON CONFLICT (level, days, key) DO UPDATE
           SET count = t.count + excluded.count,
               sum_q1 = t.sum_q1 + excluded.sum_q1,
               sum_q2 = t.sum_q2 + excluded.sum_q2,
               sum_q3 = t.sum_q3 + excluded.sum_q3,
               sum_q4 = t.sum_q4 + excluded.sum_q4
    ), series AS (
        INSERT INTO rollups AS t (level, key, day, count, sum_q1, sum_q2, sum_q3, sum_q4)
        SELECT level, key, day, sum(n), sum(q1), sum(q2), sum(q3), sum(q4)
          FROM keyed
         WHERE level IN ('nation', 'province', 'agency')
         GROUP BY level, key, day
        HAVING sum(n) <> 0 OR sum(q1) <> 0 OR sum(q2) <> 0 OR sum(q3) <> 0 OR sum(q4) <> 0
        ON CONFLICT (level, key, day) DO UPDATE
           SET count = t.count + excluded.count,
               sum_q1 = t.sum_q1 + excluded.sum_q1,
               sum_q2 = t.sum_q2 + excluded.sum_q2,
               sum_q3 = t.sum_q3 + excluded.sum_q3,
               sum_q4 = t.sum_q4 + excluded.sum_q4
    )
    SELECT count(*) INTO folded FROM moved;

    IF folded > 0 THEN
        -- rows a replacement emptied (the rebuild would not have them): partial indexes on count = 0
        DELETE FROM rollup_totals WHERE count = 0;
        DELETE FROM rollup_periods WHERE count = 0;
        DELETE FROM rollups WHERE count = 0;
    END IF;
    -- end section: fold
    RETURN folded;
END
$$;
