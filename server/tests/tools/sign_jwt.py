"""Signs tokens as a host site's backend would, with PyJWT: a library other than the one
Sightline verifies with. Reads one JSON request on stdin, writes the answer on stdout.

  {"keygen": "RS256" | "ES256"}                 -> {"private": PEM, "public": PEM}
  {"jwk": PEM public key, "kid": ...}          -> the key as a JWK (JSON), with its kid
  {"alg": ..., "key": PEM or secret, "kid": ..., "claims": {...}}  -> the token
"""
import json
import sys

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

request = json.load(sys.stdin)
if "keygen" in request:
    if request["keygen"] == "RS256":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        private = ec.generate_private_key(ec.SECP256R1())
    print(json.dumps({
        "private": private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        "public": private.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        ).decode(),
    }))
elif "jwk" in request:
    public = serialization.load_pem_public_key(request["jwk"].encode())
    if isinstance(public, rsa.RSAPublicKey):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))
    else:
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(public))
    jwk["kid"] = request["kid"]
    print(json.dumps(jwk))
else:
    headers = {"kid": request["kid"]} if request.get("kid") else {}
    print(jwt.encode(request["claims"], request["key"], algorithm=request["alg"], headers=headers))
