"""What a fetched file really is, judged by its content, and photos made safe to pass on.

The type a sender or platform claims is never trusted: the first bytes decide. Only
images, audio, video and PDF are kept. Photos are decoded and written again without
their metadata (EXIF, GPS position, camera, comments), turned upright first so nothing
the person sees changes.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow's formats for the image types we keep.
_PILLOW = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}


@dataclass(frozen=True)
class Kept:
    data: bytes
    content_type: str


@dataclass(frozen=True)
class Refusal:
    reason: str  # "too_large", "not_allowed" or "unreadable"


def sniff(head: bytes) -> str | None:
    """The content type the first bytes show, if it is one we keep."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"#!AMR"):
        return "audio/amr"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand.startswith(b"M4A"):
            return "audio/mp4"
        if brand.startswith(b"3g"):
            return "video/3gpp"
        return "video/mp4"
    return None


def check(data: bytes, max_bytes: int) -> Kept | Refusal:
    """Keep ``data`` if it is an allowed type within the size limit; photos without metadata."""
    if len(data) > max_bytes:
        return Refusal("too_large")
    content_type = sniff(data[:16])
    if content_type is None:
        return Refusal("not_allowed")
    if content_type in _PILLOW:
        cleaned = strip_metadata(data, _PILLOW[content_type])
        return Kept(cleaned, content_type) if cleaned is not None else Refusal("unreadable")
    return Kept(data, content_type)


def strip_metadata(data: bytes, format: str) -> bytes | None:
    """The same picture, upright, with no metadata; None if it cannot be decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            opened.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None
    animated = bool(getattr(opened, "is_animated", False))
    image: Image.Image = opened if animated else ImageOps.exif_transpose(opened)
    image.info = {}
    out = io.BytesIO()
    options: dict[str, object] = {"save_all": True} if animated else {}
    if format == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        options["quality"] = 90
    image.save(out, format=format, **options)
    return out.getvalue()
