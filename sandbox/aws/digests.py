"""The integrity checks S3 makes on an upload's body: ``Content-MD5`` and the ``x-amz-checksum-*`` values (sent as
headers, or as trailers of an aws-chunked body). A mismatch is ``BadDigest`` (400) with S3's wording; CRC32C and
CRC64NVME (which need more than the standard library) are passed on unchecked."""

from __future__ import annotations

import base64
import hashlib
import zlib

from .errors import ProtocolError


def _crc32(body: bytes) -> bytes:
    return zlib.crc32(body).to_bytes(4, "big")


CHECKSUMS = {
    "x-amz-checksum-crc32": ("CRC32", _crc32),
    "x-amz-checksum-sha1": ("SHA1", lambda body: hashlib.sha1(body).digest()),
    "x-amz-checksum-sha256": ("SHA256", lambda body: hashlib.sha256(body).digest()),
}


def check_digests(headers: dict[str, str], body: bytes) -> None:
    """ProtocolError BadDigest when the body does not match a digest its headers (lower-case names) declare."""
    declared = headers.get("content-md5")
    if declared is not None and declared != base64.b64encode(hashlib.md5(body).digest()).decode("ascii"):
        raise ProtocolError("BadDigest", "The Content-MD5 you specified did not match what we received.", 400, "s3")
    for header, (name, digest) in CHECKSUMS.items():
        declared = headers.get(header)
        if declared is not None and declared != base64.b64encode(digest(body)).decode("ascii"):
            raise ProtocolError(
                "BadDigest", f"The {name} you specified did not match the calculated checksum.", 400, "s3"
            )
