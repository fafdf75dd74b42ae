"""The HTTPS certificate for `kiosk serve`: made here for a school without its own certificate authority (self-signed,
with its fingerprint to check in the browser the first time), read from the IT technician's files otherwise.

A self-signed certificate still encrypts the PINs and names crossing the school's network; what it cannot do by
itself is prove the server is this PC, so the fingerprint is printed when it is made and when the server starts,
and the browser's own certificate view shows the same one.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.errors import DeskError
from kiosk.formatting import long_date
from kiosk.platform import private_folder, write_private

VALID_FOR = timedelta(days=825)  # the longest validity browsers accept for a server certificate


class CertificateProblem(DeskError):
    """A certificate or its key cannot be used; the message says which file and what to do."""


@dataclass(frozen=True)
class Certificate:
    path: Path
    fingerprint: str  # SHA-256, as the browser's certificate viewer shows it (AB:CD:…)
    not_after: datetime
    names: tuple[str, ...]


def make_self_signed(cert_path: Path, key_path: Path, *, now: datetime, names: tuple[str, ...] = ()) -> Certificate:
    """A new key and a self-signed certificate for this PC's name, 'localhost', the loopback addresses and any
    `names` (host names or IP addresses the other desks will type). The key is written private to this account."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    hosts = tuple(dict.fromkeys((socket.gethostname(), "localhost", "127.0.0.1", "::1", *names)))
    alternatives: list[x509.GeneralName] = []
    for host in hosts:
        try:
            alternatives.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alternatives.append(x509.DNSName(host))
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0]),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Phone custody kiosk")])
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + VALID_FOR)
                   .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    private_folder(key_path.parent)
    write_private(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    write_private(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
    return read_certificate(cert_path)


def read_certificate(path: Path) -> Certificate:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    try:
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
    except OSError as exc:
        raise CertificateProblem(f"The certificate {path} cannot be read ({exc.strerror or exc}). Give the path of "
                                 "the .crt/.pem file, or make one with `kiosk serve --make-cert FOLDER`.") from exc
    except ValueError as exc:
        raise CertificateProblem(f"{path} is not a PEM certificate. Give the .crt/.pem file (it begins "
                                 "'-----BEGIN CERTIFICATE-----').") from exc
    digest = certificate.fingerprint(hashes.SHA256()).hex().upper()
    try:
        names = tuple(str(n.value) for n in certificate.extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value)
    except x509.ExtensionNotFound:
        names = ()
    return Certificate(path=path, fingerprint=":".join(digest[i:i + 2] for i in range(0, len(digest), 2)),
                       not_after=certificate.not_valid_after_utc, names=names)


def server_context(cert_path: Path, key_path: Path, *, now: datetime) -> tuple[ssl.SSLContext, Certificate]:
    """The TLS settings `kiosk serve` listens with; CertificateProblem for a file that cannot serve (missing,
    not a certificate, a key that is not its own, expired)."""
    certificate = read_certificate(cert_path)
    if certificate.not_after <= now:
        expired = long_date(certificate.not_after.date())
        raise CertificateProblem(f"The certificate {cert_path} expired on {expired}. Make a new one"
                                 " (`kiosk serve --make-cert FOLDER`) or ask IT for the school's.")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(cert_path), str(key_path))
    except FileNotFoundError as exc:
        raise CertificateProblem(f"The key file {key_path} does not exist. Give the private key that belongs to "
                                 f"{cert_path.name} with --key.") from exc
    except (ssl.SSLError, ValueError) as exc:
        raise CertificateProblem(f"{key_path} is not the private key of {cert_path.name} (or not a key at all). "
                                 "Give the key made with this certificate.") from exc
    return context, certificate


def expires_in(certificate: Certificate, now: datetime) -> timedelta:
    return certificate.not_after - now.astimezone(UTC)
