"""What a file is, from its content (never its name): PDF, DOCX, XLSX, PNG, JPEG.

PDF, PNG and JPEG by their signatures; DOCX and XLSX are ZIP packages (Office Open
XML), recognised by opening the archive and finding `[Content_Types].xml` with the
package's main part (`word/document.xml`, `xl/workbook.xml`). Anything else, including a
ZIP that is not such a package or a corrupt one, is not recognised.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    kind: str
    mime: str
    extensions: tuple[str, ...]


PDF = FileType("pdf", "application/pdf", ("pdf",))
PNG = FileType("png", "image/png", ("png",))
JPG = FileType("jpg", "image/jpeg", ("jpg", "jpeg"))
DOCX = FileType(
    "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)
)
XLSX = FileType(
    "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)
)


def _office(data: bytes) -> FileType | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def sniff(data: bytes) -> FileType | None:
    """The type of `data` by its content; None when it is none of the known types."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPG
    if data.startswith(b"PK\x03\x04"):
        return _office(data)
    return None
