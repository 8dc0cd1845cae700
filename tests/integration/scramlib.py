"""scramlib - the client side of SCRAM-SHA-256 (RFC 5802/7677) for the
tests: one place for the proof and the expected server signature."""
import base64
import hashlib
import hmac


class ScramClient:
    """client-final for a client-first-bare and the server's first
    message; .expected_server_final is the "v=..." the server must send"""

    def __init__(self, bare, server_first, pw, tamper=False):
        attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
        self.nonce = attrs["r"]
        salted = hashlib.pbkdf2_hmac("sha256", pw.encode(),
                                     base64.b64decode(attrs["s"]),
                                     int(attrs["i"]))
        client_key = hmac.new(salted, b"Client Key", "sha256").digest()
        stored_key = hashlib.sha256(client_key).digest()
        final_bare = "c=biws,r=" + attrs["r"]
        auth_msg = ",".join([bare, server_first, final_bare]).encode()
        sig = hmac.new(stored_key, auth_msg, "sha256").digest()
        proof = bytes(a ^ b for a, b in zip(client_key, sig))
        if tamper:
            proof = bytes([proof[0] ^ 1]) + proof[1:]
        self.client_final = final_bare + ",p=" + \
            base64.b64encode(proof).decode()
        server_key = hmac.new(salted, b"Server Key", "sha256").digest()
        self.expected_server_final = "v=" + base64.b64encode(
            hmac.new(server_key, auth_msg, "sha256").digest()).decode()
