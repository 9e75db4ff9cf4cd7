"""Limits on what a compressed upload may expand to, checked before any parser opens it (zip bombs).

A .docx is a ZIP archive; python-docx inflates every XML part it reads, so a 15 KB file declaring gigabytes of
repetitive XML costs minutes of CPU and gigabytes of memory. The sizes a ZIP member declares bound what `zipfile`
will inflate (it stops at the declared size and fails the CRC on a lie), so checking the declarations is enough.
"""

from __future__ import annotations

import io
import zipfile

from indexer.converters._common import unreadable

# A real Word document of 20 MiB (the upload limit) inflates to well under this; images are stored near 1:1.
MAX_UNCOMPRESSED_BYTES = 200 << 20
# Text XML compresses about 5-20x; 100x or more over a megabyte is a bomb, not a document.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1 << 20  # small members may compress better (repetitive styles): ratios count above this
MAX_MEMBERS = 10_000


def check_zip_limits(name: str, data: bytes) -> None:
    """`UnreadableDocument` (HTTP 422) naming the limit when the archive would expand past it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, NotImplementedError):
        return  # not an archive at all: the format's own parser says what is wrong with it
    if len(members) > MAX_MEMBERS:
        raise unreadable(name, f"the archive holds {len(members)} parts, over the limit of {MAX_MEMBERS}")
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise unreadable(
            name,
            f"it would expand to {total >> 20} MiB, over the limit of {MAX_UNCOMPRESSED_BYTES >> 20} MiB uncompressed",
        )
    for member in members:
        if member.file_size > RATIO_FLOOR_BYTES and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            ratio = member.file_size // max(member.compress_size, 1)
            raise unreadable(
                name,
                f"part {member.filename[:80]!r} would expand {ratio}:1, over the compression ratio limit of "
                f"{MAX_RATIO}:1",
            )
