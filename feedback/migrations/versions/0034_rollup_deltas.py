"""rollup_deltas: a submission appends its rollup change; one fold at a time applies them

Revision ID: 0034
Revises: 0033
Create Date: 2026-11-29

Before, every submission upserted six rollup rows (employee up to the nation) inside its own
transaction, and so held the nation's row lock through its commit: every submission in the country
queued on that one row, through the WAL flush, and the six non-HOT updates were a third of the
database's work per submission. Now `feedback_submit` appends one row per change (two for a
replacement) to `rollup_deltas`, and `feedback_fold_rollups` applies the pending rows in one
set-based statement: the periodic task does (every two seconds), and so does every reader first
(dashboards, the transparency page, alerts), so what they show is exact as of the read.

It also drops the foreign keys from `responses` to `employees` and `employee_codes`. Nothing deletes
an employee or a code (they are deactivated and replaced), `feedback_submit` reads both rows in the
same statement that inserts, and the keys' checks locked the employee's and the code's row on every
answer (a shared row lock written to the page; a MultiXact when two phones answer one desk at once),
another fifth of the database's work per submission.

PostgreSQL only for the functions; the embedded SQLite keeps applying rollups in the submission's
own transaction (it has one writer at a time anyway) and never writes a delta.
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBMIT = """
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
END
$$;
"""

FOLD = """
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
"""


def upgrade() -> None:
    op.create_table(
        "rollup_deltas",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("agency_code", sa.String(length=16), nullable=False),
        sa.Column("county_code", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("n", sa.SmallInteger(), nullable=False),
        sa.Column("q1", sa.SmallInteger(), nullable=False),
        sa.Column("q2", sa.SmallInteger(), nullable=False),
        sa.Column("q3", sa.SmallInteger(), nullable=False),
        sa.Column("q4", sa.SmallInteger(), nullable=False),
    )
    with op.batch_alter_table("responses") as batch:
        batch.drop_constraint("fk_responses_employee_id_employees", type_="foreignkey")
        batch.drop_constraint("fk_responses_code_id_employee_codes", type_="foreignkey")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SUBMIT)
        op.execute(FOLD)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # fold what is pending, so the rollups are whole again before the old function returns
        op.execute("SELECT feedback_fold_rollups('IR')")
        op.execute("DROP FUNCTION IF EXISTS feedback_fold_rollups")
        op.execute(_function_of_0032())
    with op.batch_alter_table("responses") as batch:
        batch.create_foreign_key(
            "fk_responses_employee_id_employees", "employees", ["employee_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_foreign_key(
            "fk_responses_code_id_employee_codes", "employee_codes", ["code_id"], ["id"], ondelete="CASCADE"
        )
    op.drop_table("rollup_deltas")


def _function_of_0032() -> str:
    """The previous `feedback_submit`, from its own migration (one definition of it)."""
    path = Path(__file__).with_name("0032_submit_response_function.py")
    spec = importlib.util.spec_from_file_location("feedback_migration_0032", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.FUNCTION)
