from catalog.models import ServiceKind, ServiceStatus
from catalog.queries import ServiceFilter, descendant_ids, list_agencies, list_services
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
