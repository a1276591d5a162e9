from portal.app import create_app


def test_healthz_and_readyz_with_real_database_and_broker(client):
    assert client.get("/healthz").json == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "broker": "ok"}


def test_readyz_names_the_database_when_it_is_down(settings):
    # Port 9 (discard) has no PostgreSQL: the database is down, the broker (Redis) is up.
    down = settings.replace(
        database_url="postgresql+psycopg://postgres@127.0.0.1:9/nowhere?connect_timeout=2"
    )
    response = create_app(down).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["database"]
    assert response.json["checks"]["broker"] == "ok"


def test_readyz_names_the_broker_when_it_is_down(settings):
    down = settings.replace(broker_url="redis://127.0.0.1:9/0")
    response = create_app(down).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["broker"]


def test_metrics_count_by_endpoint_and_are_not_served_on_the_public_port(app, client):
    from core.web import metrics_text

    client.get("/healthz")
    assert client.get("/metrics").status_code == 404  # the ingress routes this port; metrics have their own
    assert 'http_requests_total{endpoint="health.healthz",method="GET",service="portal",status="200"}' in (
        metrics_text(app)
    )


def test_feedback_service_has_its_own_health(feedback_client):
    assert feedback_client.get("/healthz").status_code == 200
    ready = feedback_client.get("/readyz")
    assert ready.status_code == 200 and ready.json["checks"] == {"database": "ok", "broker": "ok"}
