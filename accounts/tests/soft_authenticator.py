"""A passkey made in software, for tests: what a phone answers to the portal's options.

ES256 key, "none" attestation, user presence and verification flags set (unless told
otherwise), the answers shaped as static/js/passkeys.js posts them.
"""

from __future__ import annotations

import base64
import json
import os
import struct
from hashlib import sha256

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

DEV_ORIGIN = "http://localhost:8000"  # settings.PASSKEY_ORIGINS' development default
USER_PRESENT, USER_VERIFIED, ATTESTED = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    def __init__(self, *, origin: str = DEV_ORIGIN) -> None:
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0
        self.user_handle = b""

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin,
                           "crossOrigin": False}).encode()

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def create(self, options: dict, *, flags: int = USER_PRESENT | USER_VERIFIED) -> str:
        """The answer to registration options (``accounts.passkeys.registration_options``)."""
        self.user_handle = unb64url(options["user"]["id"])
        auth_data = (sha256(options["rp"]["id"].encode()).digest() + bytes([flags | ATTESTED])
                     + struct.pack(">I", self.sign_count) + bytes(16)
                     + struct.pack(">H", len(self.credential_id)) + self.credential_id
                     + self._cose_key())
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps({
            "id": b64url(self.credential_id), "rawId": b64url(self.credential_id),
            "type": "public-key", "authenticatorAttachment": "platform",
            "clientExtensionResults": {"credProps": {"rk": True}},
            "response": {"clientDataJSON": b64url(self._client_data("webauthn.create",
                                                                    options["challenge"])),
                         "attestationObject": b64url(attestation), "transports": ["internal"]},
        })

    def get(self, options: dict, *, rp_id: str = "localhost",
            flags: int = USER_PRESENT | USER_VERIFIED, tamper: bool = False) -> str:
        """The answer to login options (``login_options`` / ``confirm_options``)."""
        self.sign_count += 1
        client_data = self._client_data("webauthn.get", options["challenge"])
        auth_data = (sha256(options.get("rpId", rp_id).encode()).digest() + bytes([flags])
                     + struct.pack(">I", self.sign_count))
        signature = self.key.sign(auth_data + sha256(client_data).digest(),
                                  ec.ECDSA(hashes.SHA256()))
        if tamper:
            auth_data = auth_data[:-1] + bytes([auth_data[-1] ^ 1])
        return json.dumps({
            "id": b64url(self.credential_id), "rawId": b64url(self.credential_id),
            "type": "public-key", "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {"clientDataJSON": b64url(client_data),
                         "authenticatorData": b64url(auth_data), "signature": b64url(signature),
                         "userHandle": b64url(self.user_handle)},
        })
