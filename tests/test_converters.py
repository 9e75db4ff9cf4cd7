"""Uploaded PDF, Word, HTML, Markdown and text files become chunkable text; bad files fail with a clear error.

Every document here is a real file written in the test (fpdf2, python-docx, zipfile), never a mock.
"""

from __future__ import annotations

import contextlib
import io
import random
import zipfile
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from indexer.converters import ConvertedDocument, DocumentFormat, convert_document, detect_format, normalize_body
from kb.errors import KbError, UnreadableDocument, UnsupportedDocumentType

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PAGE_SENTENCES = [
    "National referral mechanisms identify victims of trafficking early.",
    "Safe houses for rescued victims in Kerala offer shelter and counselling.",
    "Joint investigations with Nepal dismantled a recruitment network.",
]


class _NumberedPdf(FPDF):
    def footer(self) -> None:  # a bare page number, as most reports print one
        self.set_y(-15)
        self.set_font("Helvetica", size=9)
        self.cell(0, 10, str(self.page_no()), align="C")


def _pdf(pages: list[str], title: str | None = None) -> bytes:
    pdf = _NumberedPdf()
    if title:
        pdf.set_title(title)
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def _assert_normalised(document: ConvertedDocument) -> None:
    assert document.body == normalize_body(document.body)
    assert "\r" not in document.body and "\x00" not in document.body and "\n\n\n" not in document.body


@pytest.fixture(scope="module")
def three_page_pdf() -> bytes:
    return _pdf(PAGE_SENTENCES, title="Shelter practices in South Asia")


def test_pdf_page_numbers_follow_the_text(three_page_pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "practices.pdf"
    path.write_bytes(three_page_pdf)
    document = convert_document(path.name, path.read_bytes(), "application/pdf")
    assert document.format is DocumentFormat.PDF
    assert document.title == "Shelter practices in South Asia"
    assert len(document.page_starts) == 3 and document.page_starts[0] == 0
    for page, sentence in enumerate(PAGE_SENTENCES, start=1):
        start = document.body.index(sentence)
        assert document.page_at(start) == page
        assert document.page_at(start + len(sentence) - 1) == page
    _assert_normalised(document)


def test_pdf_bare_page_number_footers_are_dropped(three_page_pdf: bytes) -> None:
    body = convert_document("practices.pdf", three_page_pdf).body
    assert [line for line in body.split("\n") if line.strip().isdigit()] == []


def test_pdf_hard_line_breaks_are_joined_and_hyphenation_undone() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for line in ["Survivors of traffick-", "ing need long-term support and", "safe accommodation."]:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    body = convert_document("wrapped.pdf", bytes(pdf.output())).body
    assert "Survivors of trafficking need long-term support and safe accommodation." in body


@pytest.mark.skipif(not DEJAVU.exists(), reason="DejaVuSans.ttf is not installed")
def test_pdf_non_latin_text_is_extracted() -> None:
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(DEJAVU))
    pdf.set_font("DejaVu", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Торговля людьми является преступлением.")
    assert "Торговля людьми является преступлением." in convert_document("ru.pdf", bytes(pdf.output())).body


def test_pdf_content_wins_over_a_wrong_extension(three_page_pdf: bytes) -> None:
    assert detect_format("notes.txt", three_page_pdf, "text/plain") is DocumentFormat.PDF


def test_docx_headings_lists_and_tables_become_searchable_text(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Victim support in Kerala", 0)
    document.add_heading("Shelters", 1)
    document.add_paragraph("Safe houses offer counselling and legal aid.")
    document.add_paragraph("")
    document.add_paragraph("Medical care", style="List Bullet")
    document.add_paragraph("Vocational training", style="List Bullet")
    document.add_heading("Partners", 2)
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("Partner", "Role"), ("Kerala Police", "Referral")], strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph("Closing remarks.")
    path = tmp_path / "kerala.docx"
    document.save(path)

    converted = convert_document(path.name, path.read_bytes())
    assert converted.format is DocumentFormat.DOCX
    assert converted.title == "Victim support in Kerala"
    lines = converted.body.split("\n")
    assert "# Victim support in Kerala" in lines and "# Shelters" in lines and "## Partners" in lines
    assert "Medical care" in converted.body and "Vocational training" in converted.body
    assert "Partner | Role\nKerala Police | Referral" in converted.body
    assert converted.body.index("## Partners") < converted.body.index("Kerala Police") < converted.body.index("Closing")
    assert converted.page_at(0) is None
    _assert_normalised(converted)


def test_docx_title_comes_from_core_properties_when_set() -> None:
    document = docx.Document()
    document.core_properties.title = "Project description"
    document.add_paragraph("Only a paragraph.")
    buffer = io.BytesIO()
    document.save(buffer)
    assert convert_document("p.docx", buffer.getvalue()).title == "Project description"


HTML_PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>Good practices &amp; lessons</title>
<style>p { color: red }</style><script>alert(1)</script></head>
<body>
<nav><a href="/">Home</a> <a href="/about">About us</a></nav>
<header>Site banner</header>
<h1>Protection of victims</h1>
<p>Shelters &amp; hotlines help   victims.<br>Text on a
wrapped line.</p>
<h2>Security note</h2>
<p>Never paste &lt;script&gt;alert(1)&lt;/script&gt; into a page.</p>
<script>document.write("injected")</script>
<ul><li>Referral</li><li>Caf\xc3\xa9 outreach</li></ul>
<footer>Copyright footer</footer>
</body></html>"""


def test_html_keeps_text_and_headings_and_drops_scripts_and_navigation() -> None:
    document = convert_document("page.html", HTML_PAGE, "text/html; charset=utf-8")
    assert document.format is DocumentFormat.HTML
    assert document.title == "Good practices & lessons"
    lines = document.body.split("\n")
    assert "# Protection of victims" in lines and "## Security note" in lines
    assert "Shelters & hotlines help victims." in document.body
    assert "Café outreach" in document.body
    for gone in ("alert(1)</script>\n", "injected", "About us", "Site banner", "Copyright footer", "color: red"):
        assert gone not in document.body
    _assert_normalised(document)


def test_html_escaped_markup_survives_as_literal_text_not_as_tags() -> None:
    body = convert_document("page.htm", HTML_PAGE).body
    assert "Never paste <script>alert(1)</script> into a page." in body
    assert body.count("<script>") == 1 and "<p>" not in body and "&lt;" not in body and "&amp;" not in body


def test_html_title_falls_back_to_the_first_h1() -> None:
    document = convert_document("x.html", b"<body><h1>Hotline  results</h1><p>Calls rose.</p></body>")
    assert document.title == "Hotline results"


def test_markdown_front_matter_is_stripped_and_text_kept_verbatim() -> None:
    data = b"\xef\xbb\xbf---\r\ntitle: From the file\r\ntags: [a]\r\n---\r\n# Hotlines\r\n\r\nCalls *rose*.  \r\n"
    document = convert_document("notes.md", data)
    assert document.format is DocumentFormat.MARKDOWN
    assert document.body == "# Hotlines\n\nCalls *rose*."
    assert document.title == "Hotlines"


def test_plain_text_crlf_bom_and_blank_runs_are_normalised() -> None:
    data = b"\xef\xbb\xbfFirst line.\r\n\r\n\r\n\r\nSecond\x00 line.   \r\n"
    document = convert_document("notes.txt", data)
    assert (document.format, document.body, document.title) == (
        DocumentFormat.TEXT,
        "First line.\n\nSecond line.",
        None,
    )


def test_utf16_text_with_a_bom_is_accepted() -> None:
    data = "Торговля людьми\r\n".encode("utf-16")
    assert convert_document("ru.txt", data).body == "Торговля людьми"


@pytest.mark.parametrize(
    ("filename", "data", "content_type", "expected"),
    [
        ("report.PDF", b"%PDF-1.7\n", None, DocumentFormat.PDF),
        ("page.htm", b"<p>x</p>", None, DocumentFormat.HTML),
        ("README.markdown", b"# x", None, DocumentFormat.MARKDOWN),
        ("upload", b"<p>x</p>", "text/html; charset=utf-8", DocumentFormat.HTML),
        ("upload", b"x", "text/plain", DocumentFormat.TEXT),
    ],
)
def test_format_is_detected_from_extension_and_content_type(
    filename: str, data: bytes, content_type: str | None, expected: DocumentFormat
) -> None:
    assert detect_format(filename, data, content_type) is expected


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("filename", "data", "content_type"),
    [
        ("setup.exe", b"MZ\x90\x00" + bytes(100), None),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(100), "image/png"),
        ("upload", b"\x89PNG\r\n\x1a\n" + bytes(100), "text/plain"),
        ("budget.xlsx", _zip(["xl/workbook.xml"]), None),
        ("bundle.zip", _zip(["word/other.xml"]), None),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "application/msword"),
        ("upload", b"hello", None),
    ],
)
def test_unsupported_types_are_refused_naming_the_file_and_supported_types(
    filename: str, data: bytes, content_type: str | None
) -> None:
    with pytest.raises(UnsupportedDocumentType) as raised:
        convert_document(filename, data, content_type)
    assert filename in str(raised.value) and "PDF" in str(raised.value) and ".docx" in str(raised.value)


def _image_only_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(40, 40, 40)
    pdf.rect(20, 20, 120, 160, style="F")
    return bytes(pdf.output())


def _encrypted_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 8, "Confidential case notes.")
    return bytes(pdf.output())


@pytest.mark.parametrize(
    ("filename", "data", "problem"),
    [
        ("truncated.pdf", _pdf(PAGE_SENTENCES)[:200], "corrupt or truncated"),
        ("x.pdf", bytes(range(256)) * 4, "not a PDF"),
        ("scan.pdf", _image_only_pdf(), "no extractable text (scanned? OCR is not supported)"),
        ("locked.pdf", _encrypted_pdf(), "password"),
        ("x.docx", _zip(["hello.txt"]), "not a valid Word .docx"),
        ("y.docx", b"PK\x03\x04 truncated zip", "not a valid Word .docx"),
        ("latin1.txt", "Protección de víctimas".encode("latin-1"), "not UTF-8"),
        ("latin1.md", "Protección".encode("latin-1"), "not UTF-8"),
        ("empty.txt", b"", "empty"),
        ("blank.md", b"\n \r\n\t\n", "empty"),
        ("empty.pdf", b"", "empty"),
        ("chrome.html", b"<html><body><nav>Menu</nav><script>x()</script></body></html>", "no text"),
    ],
)
def test_unreadable_documents_fail_naming_the_file_and_the_problem(filename: str, data: bytes, problem: str) -> None:
    with pytest.raises(UnreadableDocument) as raised:
        convert_document(filename, data)
    message = str(raised.value)
    assert message.startswith(f"{filename}: ") and problem in message
    assert raised.value.__cause__ is None  # the parser's own exception is summarised, not chained into tracebacks


def test_error_messages_use_the_base_name_without_control_characters() -> None:
    with pytest.raises(UnreadableDocument, match=r"^evil\.txt: "):
        convert_document("C:\\uploads\\../ev\x1bil.txt\x00", b"caf\xe9")


def test_damaged_files_raise_only_knowledge_base_errors(three_page_pdf: bytes) -> None:
    """Flipped and truncated bytes: the parsers' own exceptions never escape to the caller."""
    document = docx.Document()
    document.add_heading("Shelters", 1)
    document.add_paragraph("Safe houses offer counselling. " * 20)
    buffer = io.BytesIO()
    document.save(buffer)
    rng = random.Random(7)
    for name, original in [("a.pdf", three_page_pdf), ("a.docx", buffer.getvalue()), ("a.html", HTML_PAGE)]:
        for _ in range(40):
            data = bytearray(original)
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            with contextlib.suppress(KbError):
                convert_document(name, bytes(data[: rng.randint(1, len(data))]))
