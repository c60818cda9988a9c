"""`certpost issue --csv` and `certpost verify` as an operator runs them: real processes, real database."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from certificates import load_types
from delivery.domain.csv_rows import columns_for
from delivery.storage.database import database
from delivery.storage.models import Certificate

from .conftest import FOOD_FIELDS


def certpost(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CERTPOST_")}
    env |= {
        "CERTPOST_STORAGE_DATA_DIR": str(tmp_path / "data"),
        "CERTPOST_DATABASE_URL": database_url,
        "CERTPOST_COURIERS_SANDBOX_PUSH": "false",
        "CERTPOST_COURIERS_SANDBOX_TIME_SCALE": "60",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "delivery", *args], capture_output=True, text=True, env=env, timeout=180
    )


def write_csv(path: Path) -> None:
    kind = load_types()["food_business_licence"]
    recipient = ["张三", "13812341234", "浙江省", "宁波市", "鄞州区", "天童南路588号"]
    good = {"holder_name": "张三", "holder_id_number": "330102199003070019", **FOOD_FIELDS}
    rows = [
        good | dict(zip(columns_for(kind)[-8:], ["courier", "sandbox", *recipient], strict=True)),
        good | {"holder_id_number": "330102199003070018", "delivery_method": "hall_pickup"},
        good | {"holder_name": "李四", "delivery_method": "hall_pickup"},
        good | {"licence_number": "", "delivery_method": "hall_pickup"},
    ]
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.DictWriter(f, fieldnames=columns_for(kind))
        writer.writeheader()
        writer.writerows(rows)


async def test_issue_csv_then_verify_then_revoke(tmp_path: Path, database_url: str) -> None:
    sheet = tmp_path / "batch.csv"
    write_csv(sheet)
    issued = certpost(tmp_path, database_url, "issue", "--csv", str(sheet), "--type", "food_business_licence")
    assert issued.returncode == 1, issued.stdout + issued.stderr
    assert "issued 2 of 4" in issued.stdout
    assert "row 3:" in issued.stdout
    assert "id_number" in issued.stdout
    assert "row 5:" in issued.stdout
    assert "licence_number" in issued.stdout
    async with database(database_url):
        certs = await Certificate.all().order_by("id")
        assert [c.status for c in certs] == ["ready", "ready"]  # failed rows leave nothing behind
        pdf = Path(certs[0].pdf_path or "")
        first = certs[0]

    ok = certpost(tmp_path, database_url, "verify", str(pdf))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "GENUINE" in ok.stdout
    assert "张*" in ok.stdout
    assert first.identifier in ok.stdout
    assert "revoked:     no" in ok.stdout

    tampered = tmp_path / "tampered.pdf"
    data = bytearray(pdf.read_bytes())  # noqa: ASYNC240 - a test reading a small local file
    data[data.index(b"stream", data.index(b"/Contents")) + 30] ^= 1
    tampered.write_bytes(bytes(data))
    bad = certpost(tmp_path, database_url, "verify", str(tampered))
    assert bad.returncode == 1
    assert "intact:      NO" in bad.stdout

    async with database(database_url):
        await Certificate.filter(id=first.id).update(
            status="revoked", revoked_at=datetime.now(UTC), revocation_reason="许可证已注销"
        )
    revoked = certpost(tmp_path, database_url, "verify", str(pdf))
    assert revoked.returncode == 1
    assert "revoked:     YES" in revoked.stdout
    assert "许可证已注销" in revoked.stdout
    assert "NOT VERIFIED" in revoked.stdout


def test_verify_without_database_is_not_genuine(tmp_path: Path) -> None:
    sheet = tmp_path / "batch.csv"
    write_csv(sheet)
    url = f"sqlite://{tmp_path / 'db.sqlite3'}"
    certpost(tmp_path, url, "issue", "--csv", str(sheet), "--type", "food_business_licence")
    pdf = next((tmp_path / "data" / "pdf").glob("*.pdf"))
    answer = certpost(tmp_path, "postgres://nobody@127.0.0.1:1/none", "verify", str(pdf))
    assert answer.returncode == 3, answer.stdout + answer.stderr
    assert "cannot be reached" in answer.stdout
    assert "NOT VERIFIED" in answer.stdout


def test_issue_refuses_a_bad_header(tmp_path: Path) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_text("holder_name,holder_idnumber\n张三,330102199003070019\n", encoding="utf-8")
    url = f"sqlite://{tmp_path / 'db.sqlite3'}"
    answer = certpost(tmp_path, url, "issue", "--csv", str(sheet), "--type", "food_business_licence")
    assert answer.returncode == 2
    assert "unknown column 'holder_idnumber'" in answer.stdout
    assert "missing column 'holder_id_number'" in answer.stdout


def test_doctor_names_the_key_and_serve_refuses_a_missing_font(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'db.sqlite3'}"
    doctor = certpost(tmp_path, url, "doctor")
    assert "development key" in doctor.stdout
    assert "ECDSA" in doctor.stdout
    assert "expires" in doctor.stdout
    env_font = {"CERTPOST_CERTIFICATES_FONT_PATH": str(tmp_path / "nope.ttf")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CERTPOST_")} | env_font
    env |= {"CERTPOST_STORAGE_DATA_DIR": str(tmp_path / "data"), "CERTPOST_DATABASE_URL": url}
    env |= {"CERTPOST_SERVER_PORT": "0"}
    serve = subprocess.run(
        [sys.executable, "-m", "delivery", "serve"], capture_output=True, text=True, env=env, timeout=120
    )
    doctor_env = subprocess.run(
        [sys.executable, "-m", "delivery", "doctor"], capture_output=True, text=True, env=env, timeout=120
    )
    assert serve.returncode == 1
    assert "nope.ttf" in serve.stderr
    assert "Traceback" not in serve.stderr
    assert doctor_env.returncode == 1
    assert "[FAIL] font" in doctor_env.stdout
