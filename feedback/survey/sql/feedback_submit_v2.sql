-- feedback_submit, version 2 (feedback migration 0034), the live one: version 1 with its
-- rollup-change section replaced by the one below. The submission appends its rollup change to
-- rollup_deltas (feedback_fold_rollups applies it) instead of upserting six rollup rows, whose
-- locks every submission in the country queued on.

    -- section: rollup-change
    -- the rollup change, committed with the row; feedback_fold_rollups applies it
    IF earlier.id IS NULL THEN
        INSERT INTO rollup_deltas (day, employee_id, unit, agency_code, county_code, province_code,
                                   n, q1, q2, q3, q4)
        VALUES (p_day, p_employee_id, desk.unit, desk.agency_code, desk.county_code,
                desk.province_code, 1, p_q1, p_q2, p_q3, p_q4);
    ELSE
        UPDATE responses SET replaced_by_id = response_id WHERE id = earlier.id;
        INSERT INTO rollup_deltas (day, employee_id, unit, agency_code, county_code, province_code,
                                   n, q1, q2, q3, q4)
        VALUES (p_day, p_employee_id, desk.unit, desk.agency_code, desk.county_code,
                desk.province_code, 1, p_q1, p_q2, p_q3, p_q4),
               (p_day, p_employee_id, earlier.unit, earlier.agency_code, earlier.county_code,
                earlier.province_code, -1, -earlier.q1, -earlier.q2, -earlier.q3, -earlier.q4);
    END IF;
    -- end section: rollup-change
