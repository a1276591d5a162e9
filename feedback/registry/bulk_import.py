"""The import on PostgreSQL: the file is streamed into a staging table with COPY, then checked and
upserted set-based, a statement for each step instead of a statement for each row.

    file ──stream──▶ COPY ▶ import_raw (temp: the cells as read, with their line numbers)
    distinct agency codes, genders and (province, county) pairs ──▶ resolved in Python by the same
        lookups the row-by-row path uses (a few hundred values) ──▶ three small temp tables
    import_checked: one INSERT … SELECT: cleaned values, the first reason a row is refused (in the
        order `check_row` checks), the first good line of each employment code, the registry row it
        matches and whether it differs
    employees: INSERT the new rows, UPDATE the changed ones; unchanged rows are not written
    employee_codes: one INSERT … SELECT per round, tokens and short codes from pgcrypto's random
        bytes; the few that collide on a unique index go round again
    rejects: read back in line order through a server-side cursor into the rejects file

All of it is one transaction: a run killed at any moment (SIGKILL included) leaves the registry as
it was, and the next run does the whole file again. Memory is flat: rows pass through a small buffer
on the way in and a server-side cursor on the way out. The rules are `importer.check_row`'s, restated
as SQL; `tests/feedback/test_import_bulk.py` runs the same bad rows through both.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

from psycopg import Connection, errors, sql
from sqlalchemy.orm import Session

from core.dates import ARABIC_DIGITS, PERSIAN_DIGITS, to_latin_digits
from core.errors import ValidationError
from feedback.codes.services import MAX_ATTEMPTS, TOKEN_BYTES
from feedback.codes.short_codes import RANDOM_DIGITS
from feedback.registry.places import Places
from feedback.registry.reading import Source, is_blank, mapped_values
from feedback.registry.schemas import COLUMNS, MAX_LENGTH, REQUIRED, Reason

# What Python's str.strip() strips (str.isspace); the SQL strips the same, so both paths agree.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
COPY_CHUNK_ROWS = 20_000
REJECTS_FETCH = 5_000
RESOLVE_FETCH = 10_000
STREAM_SHARE = 0.6  # of the progress bar: reading the file; the set-based steps share the rest
WORK_MEM = "256MB"
IMPORT_LOCK = 0x6665_6564_696D  # imports take turns: held until the import's transaction ends
TEXT_COLUMNS = ("first_name", "last_name", "position", "unit")
STORED = (
    "employment_code",
    "national_code",
    "first_name",
    "last_name",
    "gender",
    "position",
    "unit",
    "agency_code",
    "province_code",
    "county_code",
)

Progress = Callable[[int, float], None]
RejectSink = Callable[[int, Reason, str, list[str]], None]


def import_file(
    session: Session,
    source: Source,
    places: Places,
    run: str,
    write_reject: RejectSink,
    progress: Progress | None = None,
    batch_size: int = RESOLVE_FETCH,
    large_load_rows: int = 100_000,
    place: tuple[str, str] | None = None,
) -> dict[str, int]:
    """Stage, check and apply `source`; counts per outcome (`new`, `changed`, `unchanged`,
    `rejected`). Rejected rows go to `write_reject` in line order. Does not commit. `place`: a
    scoped registry account's (kind, value), whose rows for another place are refused."""
    connection = cast("Connection[Any]", session.connection().connection.driver_connection)  # PostgreSQL only
    width = len(source.header)
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SET LOCAL work_mem = {}").format(sql.Literal(WORK_MEM)))
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (IMPORT_LOCK,))
        _create_staging(cursor, width)
        rows = _stream(cursor, source, width, progress)
        _resolve_places(connection, source.mapping, places, batch_size)
        _report(progress, rows, STREAM_SHARE + 0.05)
        cursor.execute(_check_statement(source.mapping, width))
        if place is not None:
            _refuse_outside(cursor, place)
        _mark_duplicates(cursor)
        _report(progress, rows, STREAM_SHARE + 0.15)
        cursor.execute(
            sql.SQL("SELECT coalesce({}, 'rejected'), count(*) FROM import_checked GROUP BY 1").format(STATUS)
        )
        counts = {"new": 0, "changed": 0, "unchanged": 0, "rejected": 0} | dict(cursor.fetchall())
        rebuild = _set_indexes_aside(cursor) if _is_large_load(cursor, counts, large_load_rows) else []
        _apply(cursor, run, counts)
        _report(progress, rows, STREAM_SHARE + 0.25)
        _issue_codes(connection, cursor, after_first_round=lambda: _rebuild_indexes(cursor, rebuild))
        _report(progress, rows, STREAM_SHARE + 0.35)
    if counts["rejected"]:
        _read_rejects(connection, source.mapping, width, places, write_reject)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE import_raw, import_checked, import_pending, import_retry")
        cursor.execute("DROP TABLE import_agencies, import_genders, import_places")
    return counts


def _is_large_load(cursor: Any, counts: dict[str, int], large_load_rows: int) -> bool:
    """At least `large_load_rows` new employees, and at least as many as the registry holds (the
    first national load, a ministry joining): the registry's indexes are set aside while it inserts
    and built again afterwards, a sorted build instead of millions of random insertions."""
    if counts["new"] < large_load_rows:
        return False
    cursor.execute("SELECT count(*) FROM employees")
    (existing,) = cursor.fetchone()
    return bool(counts["new"] >= existing)


def _set_indexes_aside(cursor: Any) -> list[str]:
    """Drops the registry tables' indexes but their primary keys (unique constraints and the codes'
    foreign key too), returning the statements that build them again: constraints and indexes
    first, foreign keys last, each from its own definition in the catalog. An index another
    table's foreign key depends on stays. In the import's transaction: a killed run rolls the drops
    back, and the tables are locked against every other reader and writer until it commits (the
    price of a large load; the docs say when it applies). The rebuilt unique indexes check what the
    import's own checks already ensured."""
    cursor.execute(
        """
        WITH ours AS (
            SELECT oid FROM pg_class WHERE oid IN ('employees'::regclass, 'employee_codes'::regclass)
        ),
        needed AS (  -- indexes a foreign key of another table relies on
            SELECT conindid FROM pg_constraint
            WHERE contype = 'f' AND confrelid IN (SELECT oid FROM ours)
              AND conrelid NOT IN (SELECT oid FROM ours)
        )
        SELECT 1, format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
               format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname,
                      pg_get_constraintdef(c.oid))
        FROM pg_constraint c
        WHERE c.conrelid IN (SELECT oid FROM ours) AND c.contype IN ('u', 'f')
          AND (c.contype = 'f' OR c.conindid NOT IN (SELECT conindid FROM needed))
        UNION ALL
        SELECT 0, format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid IN (SELECT oid FROM ours) AND NOT i.indisprimary
          AND i.indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE conindid <> 0)
        ORDER BY 1, 2
        """
    )
    found = cursor.fetchall()
    # foreign keys dropped first and built last
    found.sort(key=lambda row: (0 if "FOREIGN KEY" in row[2] else 1, row[1]))
    for _kind, drop, _build in found:
        cursor.execute(drop)
    return [build for _kind, _drop, build in reversed(found)]


def _rebuild_indexes(cursor: Any, statements: list[str]) -> None:
    if not statements:
        return
    cursor.execute(sql.SQL("SET LOCAL maintenance_work_mem = {}").format(sql.Literal(WORK_MEM)))
    for statement in statements:
        cursor.execute(statement)
    cursor.execute("ANALYZE employees, employee_codes")  # the planner meets the new size at once


def _report(progress: Progress | None, rows: int, fraction: float) -> None:
    if progress:
        progress(rows, min(fraction, 1.0))


def _cells(width: int) -> list[sql.Identifier]:
    return [sql.Identifier(f"c{i}") for i in range(width)]


def _create_staging(cursor: Any, width: int) -> None:
    """Temp tables: gone with the session if the run is killed; dropped first in case an earlier
    run on this session failed part way (its transaction then rolled them back anyway)."""
    for table in (
        "import_raw",
        "import_checked",
        "import_pending",
        "import_retry",
        "import_fresh",
        "import_agencies",
        "import_genders",
        "import_places",
    ):
        cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
    cells = sql.SQL(", ").join(sql.SQL("{} text").format(c) for c in _cells(width))
    # shape: the record as read (JSON) when it has more or fewer cells than the header
    # shape: the record as read (JSON) when it has more or fewer cells than the header;
    # strip: some cell may start or end with white space (false for most lines of a clean file);
    # plain: no cell needs any cleaning but the national code's (see `_is_plain`)
    cursor.execute(
        sql.SQL(
            "CREATE TEMP TABLE import_raw ({}, line integer, shape text, strip boolean, plain boolean)"
        ).format(cells)
    )
    cursor.execute("CREATE TEMP TABLE import_agencies (raw text PRIMARY KEY, code text)")
    cursor.execute("CREATE TEMP TABLE import_genders (raw text PRIMARY KEY, gender text)")
    cursor.execute(
        "CREATE TEMP TABLE import_places (province text, county text, province_code text, "
        "county_code text, PRIMARY KEY (province, county))"
    )
    cursor.execute("CREATE TEMP TABLE import_pending (employee_id integer)")
    cursor.execute("CREATE TEMP TABLE import_retry (employee_id integer)")


def _stream(cursor: Any, source: Source, width: int, progress: Progress | None) -> int:
    """COPY every record, as read, with its line number. Records of the header's width (all of
    them in a well-formed file) take the fast path; others are padded and keep their cells as JSON."""
    statement = sql.SQL(
        "COPY import_raw ({}, line, shape, strip, plain) FROM STDIN (FORMAT csv, FORCE_NOT_NULL ({}))"
    ).format(sql.SQL(", ").join(_cells(width)), sql.SQL(", ").join(_cells(width)))
    chunks = _csv_lines(source, width) if source.text is not None else _records_as_csv(source, width)
    rows = 0
    with cursor.copy(statement) as copy:
        for count, chunk in chunks:
            copy.write(chunk)
            rows += count
            _report(progress, rows, source.fraction() * STREAM_SHARE)
    # The planner's idea of the file's size: without it, a temp table is guessed from its pages, the
    # checks' joins were planned for a fraction of the rows, and a re-import hashed the checked rows
    # (wide) instead of the registry's codes (narrow), spilling to disk beyond a million rows.
    cursor.execute("ANALYZE import_raw")
    _report(progress, rows, STREAM_SHARE)
    return rows


class _Lines(list[str]):
    """What csv.writer writes into: the lines of one chunk."""

    write = list.append


def _odd_record(out: _Lines, width: int, line: int, record: list[str]) -> bool:
    """A record of another width than the header's: padded or cut to it, the cells as read kept as
    JSON for the rejects file. False for a blank record (skipped, as the row-by-row path does)."""
    if is_blank(record):
        return False
    cells = (record + [""] * width)[:width]
    csv.writer(out, lineterminator="\n").writerow(
        [*cells, line, json.dumps(record, ensure_ascii=False), "t", "f"]
    )
    return True


def _records_as_csv(source: Source, width: int) -> Iterator[tuple[int, str]]:
    """Records (an Excel sheet's) written as CSV for COPY, a chunk at a time."""
    out = _Lines()
    writerow = csv.writer(out, lineterminator="\n").writerow
    rows = 0
    for line, record in source.records:
        if len(record) == width:
            writerow([*record, line, None, "t", "f"])
            rows += 1
        elif _odd_record(out, width, line, record):
            rows += 1
        if len(out) >= COPY_CHUNK_ROWS:
            yield rows, "".join(out)
            out.clear()
            rows = 0
    yield rows, "".join(out)


def _csv_lines(source: Source, width: int) -> Iterator[tuple[int, str]]:
    """A CSV's lines for COPY, a chunk at a time. A line without a quote and with the header's number
    of commas is one record as it stands: it goes through with its line number appended, unparsed.
    Any other line (quoted cells, perhaps over several lines, or another width) is parsed by the
    csv module, as the row-by-row path parses every line."""
    assert source.text is not None
    lines = iter(source.text)
    number = source.next_line
    commas = width - 1
    out = _Lines()
    rows = 0
    try:
        for text in lines:
            if '"' not in text and text.count(",") == commas:
                text = text.rstrip(_LINE_ENDS)
                if _may_need_strip(text):
                    out.append(f"{text},{number},,t,f\n")
                else:
                    out.append(f"{text},{number},,f,{'f' if _NOT_PLAIN.search(text) else 't'}\n")
                number += 1
                rows += 1
            else:
                reader = csv.reader(itertools.chain((text,), lines))
                record = next(reader)
                if len(record) == width:
                    csv.writer(out, lineterminator="\n").writerow([*record, number, None, "t", "f"])
                    rows += 1
                elif _odd_record(out, width, number, record):
                    rows += 1
                number += reader.line_num
            if len(out) >= COPY_CHUNK_ROWS:
                yield rows, "".join(out)
                out.clear()
                rows = 0
    except UnicodeDecodeError:
        raise ValidationError(f"line {number}: not UTF-8 text", fields={"file": "not_utf8"}) from None
    yield rows, "".join(out)


_LINE_ENDS = "\r\n"


def _may_need_strip(line: str) -> bool:
    """Whether a cell of this plain line (no quotes) may start or end with white space, so its cells
    are stripped in SQL; false for most lines of a clean file. Every white space character but the
    plain space is unprintable, so a line that is printable only needs a look at its spaces. (A
    ZWNJ, common in Persian names, is unprintable too: such lines are stripped, needlessly but
    rightly.) A regular expression would say it more exactly at ten times the cost a line."""
    return not line.isprintable() or ", " in line or " ," in line or line[:1] == " " or line[-1:] == " "


# What the checks' text cleaning changes besides white space at a cell's ends: Persian and Arabic
# digits, Arabic letter forms and the tatweel, runs of spaces. A line with none of these, and with
# no cell to strip, is plain: its cells are stored as they are, and the SQL skips the cleaning
# (`translate` and the rest cost more than everything else of the checks together). Only the
# national code is still looked at (its separators), whatever the line.
_NOT_PLAIN = re.compile("  |[" + re.escape(PERSIAN_DIGITS + ARABIC_DIGITS + "يىكـ") + "]")


def _value(mapping: dict[int, str], column: str) -> sql.Composable:
    """The stripped cell of `column` (empty when the file has no such column)."""
    for index, name in mapping.items():
        if name == column:
            cell = sql.Identifier(f"c{index}")
            return sql.SQL("CASE WHEN strip THEN btrim({}, {}) ELSE {} END").format(cell, _WS, cell)
    return sql.Literal("")


def _resolve_places(
    connection: Connection[Any], mapping: dict[int, str], places: Places, batch_size: int
) -> None:
    """Agencies, genders, provinces and counties are few: one scan (grouping sets) finds the
    distinct stripped values of each, each is looked up once by the same functions `check_row`
    calls, and the answers are joined in SQL. Read through a server-side cursor and written a chunk
    at a time, so even a file whose every value differs keeps memory flat."""
    from feedback.registry.importer import gender_of

    values = sql.SQL(", ").join(
        sql.SQL("{} AS {}").format(_value(mapping, column), sql.Identifier(alias))
        for column, alias in (("agency_code", "a"), ("gender", "g"), ("province", "p"), ("county", "c"))
    )
    found: dict[str, list[tuple[str | None, ...]]] = {"agencies": [], "genders": [], "places": []}
    with connection.cursor(name="import_distinct") as distinct, connection.cursor() as cursor:
        distinct.itersize = batch_size
        distinct.execute(
            sql.SQL(
                "SELECT GROUPING(a, g, p, c), a, g, p, c FROM (SELECT {} FROM import_raw) AS v "
                "GROUP BY GROUPING SETS ((a), (g), (p, c))"
            ).format(values)
        )
        for which, agency_raw, gender_raw, province_raw, county_raw in distinct:
            if which == _ONLY_AGENCY:
                agency = places.agency(to_latin_digits(agency_raw))
                found["agencies"].append((agency_raw, agency.code if agency else None))
            elif which == _ONLY_GENDER:
                if gender_raw:
                    found["genders"].append((gender_raw, gender_of(gender_raw)))
            else:
                province = places.province(province_raw)
                county = places.county(province.code, county_raw) if province else None
                found["places"].append(
                    (
                        province_raw,
                        county_raw,
                        province.code if province else None,
                        county.code if county else None,
                    )
                )
            if sum(map(len, found.values())) >= batch_size:
                _flush_resolved(cursor, found)
        _flush_resolved(cursor, found)


# GROUPING(a, g, p, c) sets a bit, first argument highest, for each column outside the row's set
_ONLY_AGENCY = 0b0111
_ONLY_GENDER = 0b1011
_RESOLVED_INTO = {
    "agencies": "import_agencies (raw, code)",
    "genders": "import_genders (raw, gender)",
    "places": "import_places (province, county, province_code, county_code)",
}


def _flush_resolved(cursor: Any, found: dict[str, list[tuple[str | None, ...]]]) -> None:
    for kind, rows in found.items():
        if rows:
            _copy_rows(cursor, _RESOLVED_INTO[kind], rows)
            rows.clear()


def _copy_rows(cursor: Any, target: str, rows: Iterable[tuple[Any, ...]]) -> None:
    with cursor.copy(sql.SQL("COPY {} FROM STDIN").format(sql.SQL(target))) as copy:
        for row in rows:
            copy.write_row(row)


_DIGITS_FROM = sql.Literal(PERSIAN_DIGITS + ARABIC_DIGITS)
_DIGITS_TO = sql.Literal("0123456789" * 2)
_NATIONAL_SEPARATORS = sql.Literal(" -_\u200c\u00a0")
_ARABIC_FROM = sql.Literal("يىكـ")  # the last, tatweel, is dropped (no counterpart)
_ARABIC_TO = sql.Literal("ییک")
_WS = sql.Literal(WHITESPACE)
BLANK = "blank"
# The outcome of a checked row once duplicates are marked (see `_check`).
STATUS = sql.SQL(
    "CASE WHEN problem IS NOT NULL THEN NULL WHEN employee_id IS NULL THEN 'new' "
    "WHEN differs THEN 'changed' ELSE 'unchanged' END"
)


def _without_dot_zero(name: str) -> sql.Composable:
    """A number a spreadsheet wrote as `123.0` back to `123` (the regular expression only runs on
    values ending in `.0`)."""
    column = sql.Identifier(name)
    return sql.SQL(
        "CASE WHEN right({c}, 2) = '.0' AND {c} ~ '^[0-9]+\\.0$' THEN left({c}, -2) ELSE {c} END"
    ).format(c=column)


def _clean_text(name: str) -> sql.Composable:
    """`importer.clean_text` on the translated column `name`; the regular expression only runs
    where it would change something (a tab, a no-break space or two spaces)."""
    t = sql.Identifier(name)
    return sql.SQL(
        "btrim(CASE WHEN strpos({t}, E'\\t') > 0 OR strpos({t}, {nbsp}) > 0 OR strpos({t}, '  ') > 0 "
        "THEN regexp_replace({t}, {pattern}, ' ', 'g') ELSE {t} END, {ws})"
    ).format(t=t, nbsp=sql.Literal("\u00a0"), pattern=sql.Literal("[ \t\u00a0]+"), ws=_WS)


def _check_digit_fails() -> sql.Composable:
    """The national code's check digit, as `national_code.is_valid` computes it, over `nc` (known by
    then to be ten Latin digits, so it is read as a number: arithmetic costs far less than taking
    the characters one by one). There s = Σ digit[i]·(10−i), r = s mod 11, and the check digit c is
    r if r < 2 else 11 − r; said with s once: (s + c) mod 11 is 0, or 2 when c is 1 (r = 1)."""
    total = sql.SQL(" + ").join(
        sql.SQL("(nc::bigint / {} % 10) * {}").format(sql.Literal(10 ** (9 - i)), sql.Literal(10 - i))
        for i in range(9)
    )
    return sql.SQL(
        "({s} + nc::bigint % 10) % 11 NOT IN (0, CASE WHEN nc::bigint % 10 = 1 THEN 2 ELSE 0 END)"
    ).format(s=total)


def _problem(width: int) -> sql.Composable:
    """The first reason a row is refused, as `reason:detail`, in `check_row`'s order; NULL if none.
    A blank record (every cell empty) is `blank`: skipped, as the row-by-row path skips it."""
    blank = sql.SQL(
        "WHEN v_employment_code = '' AND shape IS NULL AND btrim(concat({}), {}) = '' THEN {}"
    ).format(sql.SQL(", ").join(_cells(width)), _WS, sql.Literal(BLANK))
    whens: list[sql.Composable] = [blank]
    whens += [
        sql.SQL("WHEN {} = '' THEN {}").format(
            sql.Identifier(f"v_{column}"), sql.Literal(f"{Reason.missing_field}:{column}")
        )
        for column in REQUIRED
    ]
    lengths = {"employment_code": "ec", **{name: name for name in TEXT_COLUMNS}}
    whens += [
        sql.SQL("WHEN char_length({}) > {} THEN {}").format(
            sql.Identifier(lengths[name]), sql.Literal(limit), sql.Literal(f"{Reason.too_long}:{name}")
        )
        for name, limit in MAX_LENGTH.items()
    ]
    whens += [
        sql.SQL("WHEN octet_length(nc) <> 10 OR ltrim(nc, '0123456789') <> '' THEN {}").format(
            sql.Literal(f"{Reason.bad_national_code}:length")
        ),
        sql.SQL("WHEN nc = repeat(left(nc, 1), 10) OR {} THEN {}").format(
            _check_digit_fails(), sql.Literal(f"{Reason.bad_national_code}:check")
        ),
        sql.SQL("WHEN v_gender <> '' AND g.gender IS NULL THEN {}").format(
            sql.Literal(f"{Reason.bad_gender}:")
        ),
        sql.SQL("WHEN a.code IS NULL THEN {}").format(sql.Literal(f"{Reason.unknown_agency}:")),
        sql.SQL("WHEN p.province_code IS NULL THEN {}").format(sql.Literal(f"{Reason.unknown_province}:")),
        sql.SQL("WHEN p.county_code IS NULL THEN {}").format(sql.Literal(f"{Reason.unknown_county}:")),
    ]
    return sql.SQL("CASE {} END").format(sql.SQL(" ").join(whens))


def _check_statement(mapping: dict[int, str], width: int) -> sql.Composed:
    """One pass over the staged rows into `import_checked`, in layers: each layer's values are
    computed once per row (`OFFSET 0` keeps the planner from inlining a layer into every use of its
    columns), and no layer calls a function per row beyond built-in string functions."""
    stripped = sql.SQL(", ").join(
        sql.SQL("{} AS {}").format(_value(mapping, column), sql.Identifier(f"v_{column}"))
        for column in COLUMNS
    )
    translated = sql.SQL(", ").join(
        [
            sql.SQL(
                "CASE WHEN plain THEN v_employment_code "
                "ELSE btrim(translate(v_employment_code, {}, {}), {}) END AS e0"
            ).format(_DIGITS_FROM, _DIGITS_TO, _WS),
            sql.SQL(
                "CASE WHEN plain AND ltrim(v_national_code, '0123456789') = '' THEN v_national_code "
                "ELSE btrim(translate(translate(v_national_code, {}, {}), {}, ''), {}) END AS t0"
            ).format(_DIGITS_FROM, _DIGITS_TO, _NATIONAL_SEPARATORS, _WS),
            *(
                sql.SQL("CASE WHEN plain THEN {v} ELSE translate({v}, {}, {}) END AS {}").format(
                    _ARABIC_FROM, _ARABIC_TO, sql.Identifier(f"a_{name}"), v=sql.Identifier(f"v_{name}")
                )
                for name in TEXT_COLUMNS
            ),
        ]
    )
    cleaned = sql.SQL(", ").join(
        [
            sql.SQL("{} AS ec").format(_without_dot_zero("e0")),
            sql.SQL("{} AS t1").format(_without_dot_zero("t0")),
            *(
                sql.SQL("CASE WHEN plain THEN {} ELSE {} END AS {}").format(
                    sql.Identifier(f"a_{name}"), _clean_text(f"a_{name}"), sql.Identifier(name)
                )
                for name in TEXT_COLUMNS
            ),
        ]
    )
    return sql.SQL(
        """
        CREATE TEMP TABLE import_checked AS
        SELECT x.line, x.problem, x.employment_code, x.national_code, x.first_name, x.last_name, x.gender,
               x.position, x.unit, x.agency_code, x.province_code, x.county_code, e.id AS employee_id,
               (e.national_code, e.first_name, e.last_name, e.gender, e.position, e.unit, e.agency_code,
                e.province_code, e.county_code)
               IS DISTINCT FROM
               (x.national_code, x.first_name, x.last_name, x.gender, x.position, x.unit, x.agency_code,
                x.province_code, x.county_code) AS differs,
               k.id IS NOT NULL AS has_code
        FROM (
            SELECT l3.line, l3.ec AS employment_code, l3.nc AS national_code, l3.first_name, l3.last_name,
                   g.gender, l3.position, l3.unit, a.code AS agency_code, p.province_code, p.county_code,
                   {problem} AS problem
            FROM (
                SELECT l2.*, CASE WHEN char_length(t1) IN (8, 9) AND t1 ~ '^[0-9]+$' THEN lpad(t1, 10, '0')
                                  ELSE t1 END AS nc
                FROM (
                    SELECT l1.*, {cleaned}
                    FROM (
                        SELECT l0.*, {translated}
                        FROM (SELECT import_raw.*, {stripped} FROM import_raw OFFSET 0) AS l0
                        OFFSET 0
                    ) AS l1
                    OFFSET 0
                ) AS l2
                OFFSET 0
            ) AS l3
            LEFT JOIN import_agencies a ON a.raw = l3.v_agency_code
            LEFT JOIN import_genders g ON g.raw = l3.v_gender
            LEFT JOIN import_places p ON p.province = l3.v_province AND p.county = l3.v_county
            OFFSET 0
        ) AS x
        LEFT JOIN employees e ON e.employment_code = x.employment_code AND x.problem IS NULL
        LEFT JOIN employee_codes k ON k.employee_id = e.id AND k.status = 'active'
        WHERE x.problem IS DISTINCT FROM {blank}
        """
    ).format(
        problem=_problem(width),
        cleaned=cleaned,
        translated=translated,
        stripped=stripped,
        blank=sql.Literal(BLANK),
    )


_PLACE_COLUMNS = {"province": "province_code", "county": "county_code", "agency": "agency_code"}


def _refuse_outside(cursor: Any, place: tuple[str, str]) -> None:
    """A place-scoped account's good rows for another place, or whose employment code is registered
    in another place, are refused (`importer.reject_message` words both); before duplicates are
    marked, so a refused row is no duplicate's first line."""
    kind, value = place
    column = sql.Identifier(_PLACE_COLUMNS[kind])
    words = f"{Reason.outside_place}:{kind}:{value}"
    cursor.execute(
        sql.SQL(
            """
            UPDATE import_checked c
            SET problem = CASE WHEN c.{column} IS DISTINCT FROM {value} THEN {here} ELSE {elsewhere} END
            WHERE c.problem IS NULL AND (
                c.{column} IS DISTINCT FROM {value}
                OR EXISTS (SELECT 1 FROM employees e WHERE e.id = c.employee_id
                           AND e.{column} IS DISTINCT FROM {value}))
            """
        ).format(
            column=column,
            value=sql.Literal(value),
            here=sql.Literal(words),
            elsewhere=sql.Literal(f"{words}|elsewhere"),
        )
    )


def _mark_duplicates(cursor: Any) -> None:
    """A good row whose employment code a good row above it already has is refused, naming that
    line; only codes seen twice are touched."""
    cursor.execute(
        sql.SQL(
            """
            UPDATE import_checked c SET problem = {duplicate} || f.first_line
            FROM (SELECT employment_code, min(line) AS first_line FROM import_checked
                  WHERE problem IS NULL GROUP BY employment_code HAVING count(*) > 1) AS f
            WHERE c.employment_code = f.employment_code AND c.problem IS NULL AND c.line > f.first_line
            """
        ).format(duplicate=sql.Literal(f"{Reason.duplicate_in_file}:"))
    )


# Each code draws TOKEN_BYTES + 8 random bytes in one call: the token, then 63 bits for the short
# code's RANDOM_DIGITS digits without a leading zero (the modulo's bias is below 1e-8).
_RANDOM = sql.SQL("gen_random_bytes({})").format(sql.Literal(TOKEN_BYTES + 8))
_TOKEN = sql.SQL("translate(encode(substring(r from 1 for {n}), 'base64'), '+/', '-_')").format(
    n=sql.Literal(TOKEN_BYTES)
)
_BODY = sql.SQL(
    "{low} + (('x' || encode(substring(r from {start} for 8), 'hex'))::bit(64)::bigint "
    "& 9223372036854775807) % {span}"
).format(
    low=sql.Literal(10 ** (RANDOM_DIGITS - 1)),
    span=sql.Literal(9 * 10 ** (RANDOM_DIGITS - 1)),
    start=sql.Literal(TOKEN_BYTES + 1),
)


def _luhn(body: str) -> sql.Composable:
    """`core.text.luhn_digit` over the digits of the bigint `body`: from the right, every other
    digit doubled (less 9 above 9)."""
    terms = []
    for place in range(RANDOM_DIGITS):
        digit = sql.SQL("({} / {} % 10)").format(sql.Identifier(body), sql.Literal(10**place))
        terms.append(sql.SQL("(2 * {d} - 9 * ({d} / 5))").format(d=digit) if place % 2 == 0 else digit)
    return sql.SQL("(10 - ({}) % 10) % 10").format(sql.SQL(" + ").join(terms))


def _apply(cursor: Any, run: str, counts: dict[str, int]) -> None:
    """New rows inserted (their ids kept: they need codes), changed rows updated, unchanged rows left
    alone (not even their `updated_at`). A plain INSERT: imports take turns (`IMPORT_LOCK`), so no
    other import adds the same employment code meanwhile."""
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in STORED)
    if not counts["new"] + counts["changed"] + counts["unchanged"]:
        return
    cursor.execute(
        sql.SQL(
            """
            WITH added AS (
                INSERT INTO employees ({columns}, import_run, import_line)
                SELECT {columns}, {run}, line FROM import_checked
                WHERE problem IS NULL AND employee_id IS NULL
                ORDER BY line  -- ids in the file's order, whichever way the checks' joins ran
                RETURNING id
            )
            INSERT INTO import_pending (employee_id)
            SELECT id FROM added
            UNION ALL
            SELECT employee_id FROM import_checked
            WHERE problem IS NULL AND employee_id IS NOT NULL AND NOT has_code
            """
        ).format(columns=columns, run=sql.Literal(run))
    )
    if not counts["changed"]:
        return
    cursor.execute(
        sql.SQL(
            """
            UPDATE employees e SET {assign}, import_run = {run}, import_line = c.line, updated_at = now()
            FROM import_checked c
            WHERE c.problem IS NULL AND c.differs AND e.id = c.employee_id
            """
        ).format(
            assign=sql.SQL(", ").join(sql.SQL("{c} = c.{c}").format(c=sql.Identifier(c)) for c in STORED[1:]),
            run=sql.Literal(run),
        )
    )


def _issue_codes(
    connection: Connection[Any], cursor: Any, after_first_round: Callable[[], None] = lambda: None
) -> None:
    """One active code for every employee in `import_pending`, a plain INSERT … SELECT a round.
    Codes are drawn into a temp table first and those that would collide (a short code drawn twice,
    or one already issued: about a hundred at 2.5 million) wait for the next round with new random
    values, so the insert itself never meets a conflict. Should one still come (a code reissued
    meanwhile), the round is undone to its savepoint and inserted skipping conflicts.
    `after_first_round` runs once the first round is in (a large load's indexes are built then)."""
    for attempt in range(MAX_ATTEMPTS):
        if attempt == 1:
            after_first_round()
        cursor.execute("SELECT count(*) FROM import_pending")
        (pending,) = cursor.fetchone()
        if not pending:
            if attempt == 0:
                after_first_round()
            return
        cursor.execute(
            sql.SQL(
                """
                CREATE TEMP TABLE import_fresh AS
                SELECT employee_id, token, body::text || {luhn} AS short_code
                FROM (
                    SELECT employee_id, {token} AS token, {body} AS body
                    FROM (SELECT employee_id, {random} AS r FROM import_pending OFFSET 0) AS drawn
                    OFFSET 0
                ) AS fresh
                """
            ).format(luhn=_luhn("body"), token=_TOKEN, body=_BODY, random=_RANDOM)
        )
        cursor.execute("ANALYZE import_fresh")
        # Two statements, each a join the planner can choose for (an index probe a row, or one hash of
        # the issued codes while a large load has set the index aside): under one OR, the test
        # against employee_codes ran as a subquery for every row.
        cursor.execute(
            """
            WITH dropped AS (
                DELETE FROM import_fresh f
                USING (SELECT short_code FROM import_fresh GROUP BY short_code HAVING count(*) > 1) AS twice
                WHERE f.short_code = twice.short_code
                RETURNING f.employee_id
            )
            INSERT INTO import_retry SELECT employee_id FROM dropped
            """
        )
        cursor.execute(
            """
            WITH dropped AS (
                DELETE FROM import_fresh f
                WHERE EXISTS (SELECT 1 FROM employee_codes k WHERE k.short_code = f.short_code)
                RETURNING f.employee_id
            )
            INSERT INTO import_retry SELECT employee_id FROM dropped
            """
        )
        insert = (
            "INSERT INTO employee_codes (employee_id, token, short_code, status, issued_at) "
            "SELECT employee_id, token, short_code, 'active', now() FROM import_fresh"
        )
        try:
            with connection.transaction():
                cursor.execute(insert)
            cursor.execute("TRUNCATE import_pending")
            cursor.execute("INSERT INTO import_pending SELECT employee_id FROM import_retry")
        except errors.UniqueViolation:
            cursor.execute(insert + " ON CONFLICT DO NOTHING")
            cursor.execute(
                """
                DELETE FROM import_pending p
                WHERE EXISTS (SELECT 1 FROM employee_codes k WHERE k.employee_id = p.employee_id
                              AND k.status = 'active')
                """
            )
        cursor.execute("TRUNCATE import_retry")
        cursor.execute("DROP TABLE import_fresh")
    raise RuntimeError("could not issue unique codes for every employee of the import")


def _read_rejects(
    connection: Connection[Any], mapping: dict[int, str], width: int, places: Places, write_reject: RejectSink
) -> None:
    """Refused rows in line order, worded by `importer.reject_message` from the cells as read."""
    from feedback.registry.importer import reject_message

    with connection.cursor(name="import_rejects") as cursor:
        cursor.itersize = REJECTS_FETCH
        cursor.execute(
            sql.SQL(
                "SELECT c.line, c.problem, r.shape, {} FROM import_checked c JOIN import_raw r USING (line) "
                "WHERE c.problem IS NOT NULL ORDER BY c.line"
            ).format(sql.SQL(", ").join(sql.SQL("r.{}").format(c) for c in _cells(width)))
        )
        for line, problem, shape, *cells in cursor:
            original = json.loads(shape) if shape is not None else cells
            reason_text, _, detail = problem.partition(":")
            reason = Reason(reason_text)
            values = mapped_values(original, mapping)
            write_reject(line, reason, reject_message(reason, values, detail, places), original)
