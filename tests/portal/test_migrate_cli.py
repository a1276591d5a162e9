"""`govcloud migrate`: import an inventory twice (nothing changes), run a workload to the end."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from catalog.models import Agency, AgencyKind
from core.db import make_sessionmaker
from portal.cli import main

INVENTORY = """
agency: ITO
data_centers:
  - {name: Tehran DC, location: Tehran, owner: IT office}
workloads:
  - name: hr-db
    data_center: Tehran DC
    classification: confidential
    components:
      - {name: db, image: reg.gov.ir/ito/postgres:16, ports: [5432], storage: 20Gi, secrets: [hr-db]}
  - name: hr-portal
    data_center: Tehran DC
    depends_on: [hr-db]
    components:
      - {name: web, image: registry.cloud.gov.ir/ito/hr:2.1, ports: [8080], replicas: 2}
"""


def _env(settings):
    return {"GOVCLOUD_DATABASE_URL": settings.database_url, "GOVCLOUD_VAR_DIR": settings.var_dir}


def test_import_then_run_a_workload_from_the_shell(settings, committed_platform, tmp_path):
    with make_sessionmaker(committed_platform)() as session:
        session.add(Agency(code="ITO", name_fa="سازمان فناوری اطلاعات", kind=AgencyKind.organization))
        session.commit()
    document = tmp_path / "inventory.yaml"
    document.write_text(INVENTORY, encoding="utf-8")
    runner = CliRunner()

    first = runner.invoke(main, ["migrate", "import", str(document)], env=_env(settings))
    assert first.exit_code == 0, first.output
    assert "data centers: 1 added; workloads: 2 added, 0 updated, 0 unchanged" in first.output
    second = runner.invoke(main, ["migrate", "import", str(document)], env=_env(settings))
    assert "data centers: 0 added; workloads: 0 added, 0 updated, 2 unchanged" in second.output

    started = runner.invoke(main, ["migrate", "start", "ITO", "hr-db", "--wait"], env=_env(settings))
    assert started.exit_code == 0, started.output
    assert "succeeded" in started.output
    assert (Path(settings.var_dir) / "gitops" / "t-ito" / "deployment-hr-db-db.yaml").exists()

    listed = runner.invoke(main, ["migrate", "list", "--agency", "ITO"], env=_env(settings))
    assert "hr-db\tmigrated" in listed.output and "hr-portal\tin_data_center" in listed.output
    status = runner.invoke(main, ["migrate", "status", "1"], env=_env(settings))
    assert "retire_legacy" in status.output and "succeeded" in status.output


def test_a_bad_inventory_names_each_problem_and_saves_nothing(settings, committed_platform, tmp_path):
    with make_sessionmaker(committed_platform)() as session:
        session.add(Agency(code="ITO", name_fa="سازمان فناوری اطلاعات", kind=AgencyKind.organization))
        session.commit()
    document = tmp_path / "inventory.yaml"
    document.write_text(
        INVENTORY.replace("replicas: 2", "replicas: 500").replace(
            "[hr-db]}", "[hr-db]}\n    depends_on: [ghost]"
        )
    )
    result = CliRunner().invoke(main, ["migrate", "import", str(document)], env=_env(settings))
    assert result.exit_code != 0
    assert "workloads[1].components[0].replicas" in result.output
    assert "workloads[0].depends_on: not another workload of the inventory: ghost" in result.output
    listed = CliRunner().invoke(main, ["migrate", "list"], env=_env(settings))
    assert listed.output.strip() == ""
