from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cdhub.security.errors import Unauthenticated
from cdhub.security.principal import Role
from cdhub.security.tokens import TokenConfigError, TokenVerifier, issue_token
from cdhub.settings import load_settings

SECRET = "s" * 40


def _verifier(**overrides: object) -> TokenVerifier:
    values: dict[str, object] = {
        "jwt_key": SECRET,
        "jwt_issuer": "https://idp.example",
        "jwt_audience": "cdhub",
        **overrides,
    }
    return TokenVerifier(load_settings(**values))


def _token(**overrides: object) -> str:
    values: dict[str, object] = {
        "subject": "shop-app",
        "role": Role.CHANNEL,
        "issuer": "https://idp.example",
        "audience": "cdhub",
        **overrides,
    }
    return issue_token(SECRET, **values)  # type: ignore[arg-type]


def test_a_valid_token_gives_its_role_and_scope() -> None:
    claims = _verifier().verify(_token(role=Role.PARTNER, partner="D001", scope="pii openid"))
    assert (claims.subject, claims.role, claims.partner_code) == ("shop-app", Role.PARTNER, "D001")
    assert claims.grants == frozenset({"pii"})


def test_customer_tokens_carry_their_golden_id() -> None:
    claims = _verifier().verify(_token(role=Role.CUSTOMER, customer=42))
    assert claims.customer_id == 42


@pytest.mark.parametrize(
    ("token_args", "label"),
    [
        ({"issuer": "https://evil.example"}, "wrong issuer"),
        ({"audience": "other"}, "wrong audience"),
        ({"now": datetime.now(UTC) - timedelta(hours=2)}, "expired"),
        ({"role": Role.PARTNER}, "partner without partner claim"),
        ({"role": Role.CUSTOMER}, "customer without customer claim"),
    ],
)
def test_bad_tokens_are_refused(token_args: dict[str, object], label: str) -> None:
    with pytest.raises(Unauthenticated):
        _verifier().verify(_token(**token_args))


def test_unknown_roles_unsigned_and_foreign_tokens_are_refused() -> None:
    verifier = _verifier()
    claims = {
        "sub": "x",
        "role": "root",
        "exp": datetime.now(UTC) + timedelta(minutes=5),
        "iss": "https://idp.example",
        "aud": "cdhub",
    }
    with pytest.raises(Unauthenticated):
        verifier.verify(jwt.encode(claims, SECRET, algorithm="HS256"))
    unsigned = jwt.encode({**claims, "role": "admin"}, None, algorithm="none")  # type: ignore[arg-type]
    with pytest.raises(Unauthenticated):
        verifier.verify(unsigned)
    with pytest.raises(Unauthenticated):
        verifier.verify(jwt.encode({**claims, "role": "admin"}, "x" * 40, algorithm="HS256"))


def _rsa_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def test_rs256_tokens_verify_with_the_public_key_from_a_file(tmp_path: Path) -> None:
    private, public = _rsa_pair()
    key_file = tmp_path / "idp.pem"
    key_file.write_text(public)
    verifier = TokenVerifier(
        load_settings(jwt_algorithm="RS256", jwt_key_file=key_file, jwt_audience="cdhub")
    )
    token = issue_token(private, subject="bi", role=Role.BI, algorithm="RS256", audience="cdhub")
    assert verifier.verify(token).role is Role.BI
    # The public key used as an HS256 secret (algorithm confusion) is refused.
    with pytest.raises(Unauthenticated):
        verifier.verify(_hs256_signed_with(public, {"sub": "x", "role": "admin", "aud": "cdhub"}))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256_signed_with(secret: str, claims: dict[str, object]) -> str:
    exp = int((datetime.now(UTC) + timedelta(minutes=5)).timestamp())
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps({**claims, "exp": exp}).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def test_weak_secrets_and_private_keys_are_refused_at_start_up() -> None:
    with pytest.raises(TokenConfigError):
        TokenVerifier(load_settings(jwt_key="short"))
    private, _ = _rsa_pair()
    with pytest.raises(TokenConfigError):
        TokenVerifier(load_settings(jwt_algorithm="RS256", jwt_key=private))


def test_without_a_key_no_token_is_accepted() -> None:
    verifier = TokenVerifier(load_settings())
    assert not verifier.enabled
    with pytest.raises(Unauthenticated):
        verifier.verify(_token())
