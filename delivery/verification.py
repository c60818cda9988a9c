"""`certpost verify FILE`: is this PDF a genuine, intact certificate from this authority?"""

from __future__ import annotations

from pathlib import Path

from delivery.config import Settings

__all__ = ["verify_file"]


def verify_file(path: Path, settings: Settings) -> int:
    from certificates import ensure_dev_keys, verify_pdf
    from delivery.app import issuer_of

    try:
        pdf = path.read_bytes()
    except OSError as e:
        print(f"cannot read {path}: {e.strerror}")
        return 2
    keys = ensure_dev_keys(settings.data_dir / "keys", issuer_of(settings).name)
    result = verify_pdf(pdf, keys.trust_roots)
    print(f"file:        {path}")
    print(f"identifier:  {result.identifier or '-'}")
    print(f"signer:      {result.signer or '-'}")
    print(f"signed at:   {result.signed_at.isoformat() if result.signed_at else '-'}")
    print(f"signed:      {'yes' if result.signed else 'no'}")
    print(f"intact:      {'yes' if result.intact else 'NO'}")
    print(f"valid:       {'yes' if result.valid else 'NO'}")
    print(f"trusted:     {'yes' if result.trusted else 'NO'}")
    for problem in result.problems:
        print(f"problem:     {problem}")
    print("result:      " + ("GENUINE" if result.ok else "NOT VERIFIED"))
    return 0 if result.ok else 1
