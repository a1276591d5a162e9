from click.testing import CliRunner
from sqlalchemy import select

from core.actors import Role
from portal.accounts.models import User
from portal.cli import main


def test_openapi_document_describes_the_api(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    me = document["paths"]["/me"]["get"]
    assert set(me["responses"]) >= {"200", "401"}
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_docs_page_is_served_from_our_own_files(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page and "http" not in page.split("<body>")[1]
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_unauthenticated_api_calls_get_401_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_users_cli_creates_accounts_and_prints_a_token_once(settings, committed_platform):
    from catalog.seed import seed_reference_agencies
    from core.db import make_sessionmaker

    with make_sessionmaker(committed_platform)() as session:
        seed_reference_agencies(session)
    env = {"GOVCLOUD_DATABASE_URL": settings.database_url, "GOVCLOUD_VAR_DIR": settings.var_dir}
    runner = CliRunner()
    created = runner.invoke(
        main,
        ["users", "create", "it@ito.ir", "--role", "agency_admin", "--agency", "ITO", "--generate"],
        env=env,
    )
    assert created.exit_code == 0, created.output
    assert "password (shown once):" in created.output
    bad = runner.invoke(
        main,
        [
            "users",
            "create",
            "x@y.ir",
            "--role",
            "agency_member",
            "--agency",
            "NOPE",
            "--password",
            "long-enough-pass",
        ],
        env=env,
    )
    assert bad.exit_code != 0 and "no agency with code 'NOPE'" in bad.output
    issued = runner.invoke(main, ["users", "token", "it@ito.ir"], env=env)
    token = issued.output.strip()
    assert issued.exit_code == 0 and token.startswith("gc_")
    with make_sessionmaker(committed_platform)() as session:
        user = session.scalar(select(User).where(User.email == "it@ito.ir"))
        assert user.role == Role.agency_admin and user.agency.code == "ITO"
        assert all(token not in (t.digest, t.prefix) for t in user.tokens)
