from sqlalchemy import delete, select

from catalog.models import EService, ServiceKind, ServiceStatus
from catalog.queries import ServiceFilter, descendant_ids, list_agencies, list_service_rows, list_services
from core.actors import SYSTEM, Role
from tests.fixtures.catalog import add_service


def _codes(page):
    return [s.code for s in page.items]


def test_each_agency_lists_only_its_own_and_its_sub_agencies(db_session, tree):
    add_service(db_session, tree.a, "a-1")
    add_service(db_session, tree.a1, "a1-1")
    add_service(db_session, tree.b, "b-1")
    member_a = tree.actor(Role.agency_member, tree.a)
    assert sorted(_codes(list_services(db_session, member_a, ServiceFilter()))) == ["a-1", "a1-1"]
    office = tree.actor(Role.agency_admin, tree.a1)
    assert _codes(list_services(db_session, office, ServiceFilter())) == ["a1-1"]
    # a filter cannot widen the scope
    assert _codes(list_services(db_session, office, ServiceFilter(agency_id=tree.b.id))) == []
    overseer = tree.actor(Role.overseer)
    assert len(list_services(db_session, overseer, ServiceFilter()).items) == 3
    assert [a.code for a in list_agencies(db_session, member_a)] == ["TMA", "TMA-FARS"]


def test_filters(db_session, tree):
    add_service(db_session, tree.a, "s3", maturity=3, channels=["web"])
    add_service(db_session, tree.a, "s4", maturity=4, channels=["api"], kind="inquiry", online_m2m=True)
    add_service(db_session, tree.a, "old", maturity=1, channels=["in_person"], status="retired")
    add_service(db_session, tree.b, "b3", maturity=3, channels=["web", "kiosk"])

    def codes(**kw):
        return sorted(_codes(list_services(db_session, SYSTEM, ServiceFilter(**kw))))

    assert codes(agency_id=tree.a.id) == ["old", "s3", "s4"]
    assert codes(kind=ServiceKind.inquiry) == ["s4"]
    assert codes(maturity=3) == ["b3", "s3"]
    assert codes(channel="web") == ["b3", "s3"]
    assert codes(channel="kiosk") == ["b3"]
    assert codes(status=ServiceStatus.retired) == ["old"]
    assert codes(agency_id=tree.a.id, maturity=3, channel="web") == ["s3"]


def test_search_matches_across_keyboards_and_digits(db_session, tree):
    add_service(db_session, tree.a, "passport-2", name_fa="صدور گذرنامه یکسان", name_en="Passport")
    add_service(db_session, tree.a, "other", name_fa="پروانه کسب", name_en="Business licence")

    def search(text):
        return _codes(list_services(db_session, SYSTEM, ServiceFilter(text=text)))

    assert search("گذرنامه يكسان") == ["passport-2"]  # Arabic yeh and kaf
    assert search("PASSPORT") == ["passport-2"]
    assert search("passport-۲") == ["passport-2"]  # Persian digit
    assert search("100%") == []  # LIKE wildcards are literal


def test_pagination(db_session, tree):
    for number in range(7):
        add_service(db_session, tree.a, f"s{number}")
    first = list_services(db_session, SYSTEM, ServiceFilter(), page=1, per_page=3)
    last = list_services(db_session, SYSTEM, ServiceFilter(), page=3, per_page=3)
    assert (first.total, first.pages, first.has_next, first.has_previous) == (7, 3, True, False)
    assert _codes(first) == ["s0", "s1", "s2"] and _codes(last) == ["s6"] and not last.has_next


def test_descendants_follow_the_whole_tree(db_session, tree):
    assert descendant_ids(db_session, tree.a.id) == {tree.a.id, tree.a1.id}
    assert descendant_ids(db_session, tree.b.id) == {tree.b.id}


def _rows_of_every_page(session, actor, filters, per_page):
    """Every numbered page of list_service_rows, and the totals each gave."""
    first = list_service_rows(session, actor, filters, per_page=per_page)
    pages = [
        list_service_rows(session, actor, filters, page=n, per_page=per_page)
        for n in range(1, first.pages + 2)
    ]
    return [[row.code for row in page.items] for page in pages], {page.total for page in pages}


def _through_the_cursor(session, actor, filters, per_page):
    codes, after = [], None
    while True:
        page = list_service_rows(session, actor, filters, per_page=per_page, after=after)
        codes.extend(row.code for row in page.items)
        if page.after is None:
            return codes
        after = page.after


def _counted(session, actor, filters):
    """What counting and skipping every row gives (list_services, the pages' own path)."""
    whole = list_services(session, actor, filters, per_page=200)
    return [s.code for s in whole.items], whole.total


def test_pages_and_totals_from_the_per_agency_counts_match_counting_every_row(db_session, tree):
    """The totals and numbered pages the API reads from `service_counts` are those of counting the
    rows, for every reader, page size and agency filter, after services are added, moved and deleted."""
    for agency, count in ((tree.a, 7), (tree.a1, 5), (tree.b, 4)):
        for number in range(count):
            add_service(db_session, agency, f"{agency.code.lower()}-{number}")
    readers = [SYSTEM, tree.actor(Role.agency_member, tree.a), tree.actor(Role.agency_admin, tree.a1)]

    def check():
        for actor in readers:
            for filters in (
                ServiceFilter(),
                ServiceFilter(agency_id=tree.a1.id),
                ServiceFilter(agency_code="tma"),
            ):
                codes, total = _counted(db_session, actor, filters)
                for per_page in (1, 3, 5, 50):
                    pages, totals = _rows_of_every_page(db_session, actor, filters, per_page)
                    assert totals == {total}
                    assert [code for page in pages for code in page] == codes
                    assert pages[-1] == []  # the page after the last is empty
                    assert _through_the_cursor(db_session, actor, filters, per_page) == codes

    check()
    moved = db_session.scalar(select(EService).where(EService.code == "tma-0"))
    moved.agency_id = tree.b.id
    db_session.commit()
    db_session.execute(delete(EService).where(EService.code.in_(["tma-fars-1", "tma-fars-2"])))
    db_session.commit()
    check()
    assert _counted(db_session, SYSTEM, ServiceFilter())[1] == 14


def test_filtered_pages_count_their_rows(db_session, tree):
    add_service(db_session, tree.a, "s3", maturity=3)
    add_service(db_session, tree.a, "s4", maturity=4)
    add_service(db_session, tree.b, "b3", maturity=3)
    page = list_service_rows(db_session, SYSTEM, ServiceFilter(maturity=3), per_page=1, page=2)
    assert (page.total, [row.code for row in page.items]) == (2, ["b3"])
    assert list_service_rows(db_session, SYSTEM, ServiceFilter(text="s4")).total == 1


def test_pages_on_the_embedded_sqlite(tmp_path):
    """SQLite keeps no per-agency counts: its pages count their rows, with the same answers."""
    from catalog.models import Agency, AgencyKind
    from core import migrate
    from core.db import make_engine, make_sessionmaker

    url = f"sqlite:///{tmp_path / 'govcloud.db'}"
    migrate.upgrade("platform", url)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            agencies = [Agency(code=code, name_fa=code, kind=AgencyKind.ministry) for code in ("A", "B")]
            session.add_all(agencies)
            session.commit()
            for agency in agencies:
                for number in range(4):
                    add_service(session, agency, f"{agency.code.lower()}-{number}")
            codes, total = _counted(session, SYSTEM, ServiceFilter())
            pages, totals = _rows_of_every_page(session, SYSTEM, ServiceFilter(), 3)
            assert totals == {total} == {8} and [code for page in pages for code in page] == codes
            assert _through_the_cursor(session, SYSTEM, ServiceFilter(), 3) == codes
    finally:
        engine.dispose()
