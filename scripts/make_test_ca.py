"""Make a test PKI for the demo and the tests: a CA, a back office server certificate, one
client certificate plus one request-signing key and one API key per kiosk, hall managers'
certificates, and card master keys. NOT for production: the CA key lies on disk next to
everything else.

    python scripts/make_test_ca.py --out var/pki --kiosk KIOSK-0001 --kiosk KIOSK-0002 \
        --manager MANAGER-01
    python scripts/make_test_ca.py --out var/pki revoke KIOSK-0002

Writes into --out:
    ca.pem, ca.key                      the test CA (EC P-256, 2 years)
    server.pem, server.key              the back office: 127.0.0.1, ::1 and localhost
    kiosks/<ID>/cert.pem, key.pem       a kiosk's client certificate (CN = its terminal id,
                                        OU = kiosk)
    kiosks/<ID>/signing.key             a kiosk's HMAC key for signed requests (hex)
    kiosks/<ID>/api.key                 a kiosk's API key (the back office keeps its SHA-256:
                                        python -m backoffice terminal-key)
    managers/<NAME>/cert.pem, key.pem   a hall manager's certificate (OU = manager): /fleet and
                                        the API docs only, no signing key, no API key
    signing-keys.json                   every kiosk's signing key, for the back office
    card-keys.toml                      random card master keys ([master] internal, read) for
                                        the back office's --card-keys, the card emulator's
                                        --keys-file and the kiosk's [security_module] keys_file
    revoked.txt                         serial numbers the back office refuses (one per line)

Running it again keeps the CA and adds the kiosks that are missing; `revoke` adds a kiosk's
certificate serial to revoked.txt (the back office reads it again on its next request).
"""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import json
import os
import secrets
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DAYS = 730


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


ROLE_KIOSK, ROLE_MANAGER = "kiosk", "manager"  # the OU the back office reads (security.py)


def _name(cn: str, role: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Shebao kiosk test PKI")]
    if role:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attributes)


def _builder(
    subject: str, issuer: x509.Name, public_key: object, role: str | None = None
) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject, role))
        .issuer_name(issuer)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=DAYS))
    )


def make_ca(out: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The CA in `out` (made when missing)."""
    cert_path, key_path = out / "ca.pem", out / "ca.key"
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return cert, key
    key = _key()
    cert = (
        _builder("Shebao kiosk test CA", _name("Shebao kiosk test CA"), key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    _write_key(key_path, key)
    _write_cert(cert_path, cert)
    return cert, key


def _leaf(
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    cn: str,
    usage: x509.ObjectIdentifier,
    san: list[x509.GeneralName] | None = None,
    role: str | None = None,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    b = (
        _builder(cn, ca.subject, key.public_key(), role)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
    )
    if san:
        b = b.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return b.sign(ca_key, hashes.SHA256()), key


def make_server(out: Path, ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey) -> None:
    if (out / "server.pem").exists():
        return
    san: list[x509.GeneralName] = [
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
        x509.DNSName("localhost"),
    ]
    cert, key = _leaf(ca, ca_key, "127.0.0.1", ExtendedKeyUsageOID.SERVER_AUTH, san)
    _write_cert(out / "server.pem", cert)
    _write_key(out / "server.key", key)


def make_kiosk(
    out: Path, ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, terminal_id: str
) -> bool:
    """A kiosk's certificate and signing key; False when it has them already."""
    folder = out / "kiosks" / terminal_id
    if (folder / "cert.pem").exists():
        return False
    cert, key = _leaf(ca, ca_key, terminal_id, ExtendedKeyUsageOID.CLIENT_AUTH, role=ROLE_KIOSK)
    _write_cert(folder / "cert.pem", cert)
    _write_key(folder / "key.pem", key)
    secret = secrets.token_hex(32)
    _write_secret(folder / "signing.key", secret)
    _write_secret(folder / "api.key", "api-" + secrets.token_urlsafe(24))
    keys_path = out / "signing-keys.json"
    keys = json.loads(keys_path.read_text()) if keys_path.exists() else {}
    keys[terminal_id] = secret
    keys_path.write_text(json.dumps(keys, indent=2, sort_keys=True) + "\n")
    keys_path.chmod(0o600)
    return True


def _write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")


def make_manager(
    out: Path, ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, name: str
) -> bool:
    """A hall manager's certificate (OU = manager): no signing key, no API key."""
    folder = out / "managers" / name
    if (folder / "cert.pem").exists():
        return False
    cert, key = _leaf(ca, ca_key, name, ExtendedKeyUsageOID.CLIENT_AUTH, role=ROLE_MANAGER)
    _write_cert(folder / "cert.pem", cert)
    _write_key(folder / "key.pem", key)
    return True


def make_card_keys(out: Path) -> None:
    """Random card master keys (not the public test keys of common.card_crypto)."""
    path = out / "card-keys.toml"
    if path.exists():
        return
    _write_secret(
        path,
        "# card master keys of this test PKI (common.card_crypto.load_keys)\n[master]\n"
        f'internal = "{secrets.token_hex(16)}"\nread = "{secrets.token_hex(16)}"\n'
        # RELOAD PIN's MAC key (issue 20): without it the cards of this PKI answer 6A88
        f'pin_reload = "{secrets.token_hex(16)}"',
    )


def revoke(out: Path, terminal_id: str) -> str:
    """Add the kiosk's certificate serial (hex) to revoked.txt; return the serial."""
    folder = out / "kiosks" / terminal_id
    if not folder.exists():
        folder = out / "managers" / terminal_id
    cert = x509.load_pem_x509_certificate((folder / "cert.pem").read_bytes())
    serial = f"{cert.serial_number:x}"
    path = out / "revoked.txt"
    lines = path.read_text().splitlines() if path.exists() else []
    if serial not in lines:
        with path.open("a") as f:
            f.write(f"{serial}  # {terminal_id}, revoked {dt.date.today().isoformat()}\n")
    return serial


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("var/pki"), help="folder (default var/pki)")
    ap.add_argument("--kiosk", action="append", default=[], help="terminal id (repeatable)")
    ap.add_argument(
        "--manager", action="append", default=[], help="hall manager's name (repeatable)"
    )
    ap.add_argument("command", nargs="?", choices=("make", "revoke"), default="make")
    ap.add_argument("terminals", nargs="*", help="for revoke: the terminal ids or managers")
    args = ap.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    if args.command == "revoke":
        for t in args.terminals:
            print(f"revoked {t}: serial {revoke(out, t)}")
        return 0
    ca, ca_key = make_ca(out)
    make_server(out, ca, ca_key)
    make_card_keys(out)
    (out / "revoked.txt").touch()
    for t in args.kiosk or ([] if args.manager else ["KIOSK-0001"]):
        made = make_kiosk(out, ca, ca_key, t)
        print(f"{'made' if made else 'kept'} {out / 'kiosks' / t}")
    for m in args.manager:
        made = make_manager(out, ca, ca_key, m)
        print(f"{'made' if made else 'kept'} {out / 'managers' / m}")
    print(f"CA {out / 'ca.pem'}; server {out / 'server.pem'}; keys {out / 'signing-keys.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
