-- feedback_fold_rollups, version 1 (feedback migration 0034), the live one: applies the pending
-- rollup_deltas in one set-based statement (the worker every two seconds, every reader first).
-- A loaded version never changes: a new behaviour is a new file, loaded by a new migration.
CREATE OR REPLACE FUNCTION feedback_fold_rollups(p_nation varchar) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    folded integer;
    empty_level varchar[];
    empty_key varchar[];
    empty_day date[];
BEGIN
    -- one fold at a time: a caller that finds one running leaves the pending rows to it (or the next)
    IF NOT pg_try_advisory_xact_lock(7340032001) THEN
        RETURN 0;
    END IF;
    -- a rebuild holds the rollups (and consumes the pending rows itself): never wait behind it
    BEGIN
        LOCK TABLE rollups IN ROW EXCLUSIVE MODE NOWAIT;
    EXCEPTION WHEN lock_not_available THEN
        RETURN 0;
    END;

    WITH moved AS (
        DELETE FROM rollup_deltas RETURNING *
    ), summed AS (
        SELECT k.level, k.key, m.day, sum(m.n)::integer AS n, sum(m.q1) AS s1, sum(m.q2) AS s2,
               sum(m.q3) AS s3, sum(m.q4) AS s4
          FROM moved m
          CROSS JOIN LATERAL (VALUES ('employee', m.employee_id::text),
                                     ('unit', m.agency_code || '/' || m.unit),
                                     ('agency', m.agency_code::text),
                                     ('county', m.county_code::text),
                                     ('province', m.province_code::text),
                                     ('nation', p_nation::text)) AS k (level, key)
         GROUP BY k.level, k.key, m.day
        HAVING sum(m.n) <> 0 OR sum(m.q1) <> 0 OR sum(m.q2) <> 0 OR sum(m.q3) <> 0 OR sum(m.q4) <> 0
    ), written AS (
        INSERT INTO rollups AS t (level, key, day, count, sum_q1, sum_q2, sum_q3, sum_q4)
        SELECT s.level, s.key, s.day, s.n, s.s1, s.s2, s.s3, s.s4 FROM summed s
         ORDER BY s.level COLLATE "C", s.key COLLATE "C", s.day
        ON CONFLICT (level, key, day) DO UPDATE
           SET count = t.count + excluded.count,
               sum_q1 = t.sum_q1 + excluded.sum_q1,
               sum_q2 = t.sum_q2 + excluded.sum_q2,
               sum_q3 = t.sum_q3 + excluded.sum_q3,
               sum_q4 = t.sum_q4 + excluded.sum_q4
        RETURNING t.level, t.key, t.day, t.count
    )
    SELECT (SELECT count(*) FROM moved),
           array_agg(w.level) FILTER (WHERE w.count = 0),
           array_agg(w.key) FILTER (WHERE w.count = 0),
           array_agg(w.day) FILTER (WHERE w.count = 0)
      INTO folded, empty_level, empty_key, empty_day
      FROM written w;

    IF empty_level IS NOT NULL THEN
        -- a replacement that moved units emptied a row: the rebuild would not have it
        DELETE FROM rollups t
         USING unnest(empty_level, empty_key, empty_day) AS e (level, key, day)
         WHERE t.level = e.level AND t.key = e.key AND t.day = e.day AND t.count = 0;
    END IF;
    RETURN folded;
END
$$;
