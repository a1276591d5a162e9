"""The prober against real servers on 127.0.0.1 (allow-listed for them), and its safety rules."""

import ipaddress

import pytest

from onboarding.probes.prober import ErrorClass, ProbeConfig, ProbeSpec, parse_networks, probe, refusal

LOCAL = ProbeConfig(allowed_networks=parse_networks("127.0.0.0/8"), connect_timeout=5, total_timeout=10)
NOTHING_ALLOWED = ProbeConfig(connect_timeout=5, total_timeout=10)


def _probe(url: str, config: ProbeConfig = LOCAL, **expect):
    return probe(ProbeSpec(url=url, **expect), config)


def test_a_service_that_answers_is_up_with_its_status_latency_and_address(probe_server):
    outcome = _probe(probe_server.url("/ok"), expect_text="healthy")
    assert outcome.up and outcome.status_code == 200 and outcome.error_class == ""
    assert outcome.address == "127.0.0.1" and outcome.latency_ms >= 0
    assert probe_server.seen_agents[-1].startswith("govcloud-prober/")  # probes say who they are


def test_a_service_that_is_down_is_a_connect_error(closed_port):
    outcome = _probe(f"http://127.0.0.1:{closed_port}/ok")
    assert not outcome.up and outcome.error_class == ErrorClass.CONNECT and outcome.status_code is None


def test_a_service_too_slow_times_out(probe_server):
    config = ProbeConfig(allowed_networks=LOCAL.allowed_networks, connect_timeout=2, total_timeout=0.5)
    outcome = _probe(probe_server.url("/slow"), config)
    assert not outcome.up and outcome.error_class == ErrorClass.TIMEOUT


def test_a_500_answer_is_down_with_its_status(probe_server):
    outcome = _probe(probe_server.url("/error"))
    assert not outcome.up and outcome.error_class == ErrorClass.STATUS and outcome.status_code == 500


def test_expected_status_class_text_and_openapi(probe_server):
    assert _probe(probe_server.url("/error"), expect_status_class=5).up
    missing = _probe(probe_server.url("/ok"), expect_text="no such words")
    assert not missing.up and missing.error_class == ErrorClass.TEXT and missing.status_code == 200
    assert _probe(probe_server.url("/openapi.json"), expect_openapi=True).up
    invalid = _probe(probe_server.url("/not-openapi"), expect_openapi=True)
    assert not invalid.up and invalid.error_class == ErrorClass.OPENAPI


def test_at_most_three_redirects_are_followed(probe_server):
    assert _probe(probe_server.url("/redirect/3"), expect_text="healthy").up
    outcome = _probe(probe_server.url("/redirect/4"))
    assert not outcome.up and outcome.error_class == ErrorClass.REDIRECTS and outcome.status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://10.1.2.3/",  # private, not allow-listed
        "http://[::1]:9/",  # IPv6 loopback (only 127.0.0.0/8 is listed)
        "http://0.0.0.0:9/",  # unspecified
    ],
)
def test_a_redirect_to_a_refused_address_is_refused(probe_server, target):
    outcome = _probe(probe_server.url(f"/to?url={target}"))
    assert not outcome.up and outcome.error_class == ErrorClass.REFUSED_ADDRESS
    assert outcome.status_code == 302  # the last answer is the redirect: nothing was fetched from the target


def test_without_the_allow_list_the_local_server_is_refused(probe_server):
    outcome = _probe(probe_server.url("/ok"), NOTHING_ALLOWED)
    assert not outcome.up and outcome.error_class == ErrorClass.REFUSED_ADDRESS
    assert "loopback" in outcome.error_detail
    assert probe_server.seen_agents == []  # not even connected


def test_a_name_resolving_to_a_refused_address_is_refused(probe_server):
    outcome = _probe(probe_server.url("/ok", host="localhost"), NOTHING_ALLOWED)
    assert not outcome.up and outcome.error_class == ErrorClass.REFUSED_ADDRESS
    assert probe_server.seen_agents == []


def test_the_address_is_resolved_once_and_pinned_with_the_name_kept_for_host(probe_server):
    asked = []

    def resolver(host, port):
        asked.append(host)
        return ["127.0.0.1"]

    outcome = probe(ProbeSpec(url=probe_server.url("/host", host="agency.example")), LOCAL, resolver)
    assert outcome.up and outcome.address == "127.0.0.1"
    assert asked == ["agency.example"]
    # the request went to the pinned address but named the host the URL names (virtual hosting works)
    redirected = probe(ProbeSpec(url=probe_server.url("/redirect/2", host="agency.example")), LOCAL, resolver)
    assert redirected.up and asked == ["agency.example"] * 4  # every hop resolved and checked again


def test_a_name_with_one_refused_address_among_others_is_refused(probe_server):
    def resolver(host, port):
        return ["127.0.0.1", "192.168.10.10"]

    outcome = probe(ProbeSpec(url=probe_server.url("/ok", host="mixed.example")), LOCAL, resolver)
    assert not outcome.up and outcome.error_class == ErrorClass.REFUSED_ADDRESS
    assert "192.168.10.10" in outcome.error_detail


def test_only_http_and_https_urls(probe_server):
    for url in (
        "ftp://127.0.0.1/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/",
        "http://user:pw@127.0.0.1/",
    ):
        outcome = _probe(url)
        assert not outcome.up and outcome.error_class == ErrorClass.BAD_URL, url


def test_tls_verified_against_the_configured_ca_bundle(tls_probe_server):
    trusted = ProbeConfig(allowed_networks=LOCAL.allowed_networks, ca_bundle=tls_probe_server.ca_bundle)
    assert _probe(tls_probe_server.url("/ok", host="localhost"), trusted).up
    assert _probe(tls_probe_server.url("/ok"), trusted).up  # the certificate names 127.0.0.1 too


def test_a_certificate_from_an_unknown_ca_is_down(tls_probe_server):
    system_store = ProbeConfig(allowed_networks=parse_networks("127.0.0.0/8,::1"))
    other_ca = ProbeConfig(
        allowed_networks=LOCAL.allowed_networks, ca_bundle=tls_probe_server.other_ca_bundle
    )
    for config in (system_store, other_ca):
        outcome = _probe(tls_probe_server.url("/ok", host="localhost"), config)
        assert not outcome.up and outcome.error_class == ErrorClass.TLS, outcome


def test_a_certificate_for_another_name_is_down(tls_probe_server):
    def resolver(host, port):
        return ["127.0.0.1"]

    trusted = ProbeConfig(allowed_networks=LOCAL.allowed_networks, ca_bundle=tls_probe_server.ca_bundle)
    outcome = probe(ProbeSpec(url=tls_probe_server.url("/ok", host="other.example")), trusted, resolver)
    assert not outcome.up and outcome.error_class == ErrorClass.TLS


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("8.8.8.8", False),
        ("2001:4860:4860::8888", False),
        ("127.0.0.1", True),
        ("10.0.0.1", True),
        ("172.16.5.4", True),
        ("192.168.1.1", True),
        ("100.64.0.1", True),  # shared address space (carrier-grade NAT)
        ("169.254.169.254", True),
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("::1", True),
        ("fe80::1", True),
        ("fd00:ec2::254", True),
        ("::ffff:127.0.0.1", True),  # IPv4-mapped loopback
        ("::ffff:10.0.0.1", True),
    ],
)
def test_refused_ranges(address, refused):
    assert (refusal(ipaddress.ip_address(address), ()) is not None) is refused


def test_the_allow_list_opens_its_networks_but_never_metadata():
    allowed = parse_networks("10.20.0.0/16, 169.254.0.0/16")
    assert refusal(ipaddress.ip_address("10.20.3.4"), allowed) is None
    assert refusal(ipaddress.ip_address("10.21.3.4"), allowed) is not None
    assert refusal(ipaddress.ip_address("169.254.169.254"), allowed) == "a cloud metadata address"
