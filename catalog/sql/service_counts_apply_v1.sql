-- The per-agency service counts (service_counts) kept in the transaction of each write to services.
-- One statement-level trigger a kind of write, reading its transition tables: a COPY of 100,000
-- services updates each agency's row once. Rows are changed in agency order, so two writers over
-- several agencies take their locks in the same order.
CREATE FUNCTION service_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO service_counts AS c (agency_id, services)
        SELECT agency_id, count(*) FROM new_rows GROUP BY agency_id ORDER BY agency_id
        ON CONFLICT (agency_id) DO UPDATE SET services = c.services + EXCLUDED.services;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE service_counts AS c SET services = c.services - gone.n
        FROM (SELECT agency_id, count(*) AS n FROM old_rows GROUP BY agency_id) AS gone
        WHERE c.agency_id = gone.agency_id;
    ELSIF TG_OP = 'UPDATE' THEN  -- only a service moved to another agency changes a count
        INSERT INTO service_counts AS c (agency_id, services)
        SELECT agency_id, sum(n) FROM (
            SELECT agency_id, 1 AS n FROM new_rows UNION ALL SELECT agency_id, -1 FROM old_rows
        ) AS moved GROUP BY agency_id HAVING sum(n) <> 0 ORDER BY agency_id
        ON CONFLICT (agency_id) DO UPDATE SET services = c.services + EXCLUDED.services;
    ELSE  -- TRUNCATE
        DELETE FROM service_counts;
    END IF;
    RETURN NULL;
END $$;
