"""Safe text extraction from PDF files (dispute evidence, remittance advices).

pdfminer.six runs in a child process with a size, page, memory and time
limit: whatever the file, the caller gets text or a reason, never a crash or
a hung worker.
"""
import json
import logging
import os
import resource
import subprocess
import sys
from dataclasses import dataclass, field

_logger = logging.getLogger(__name__)

WORKER = os.path.join(os.path.dirname(__file__), "pdf_text_worker.py")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PAGES = 50
DEFAULT_TIMEOUT = 20
MEMORY_LIMIT = 512 * 1024 * 1024
MAX_OUTPUT = 5 * 1024 * 1024


@dataclass
class PdfText:
    """Result of an extraction: ``state`` is 'done' (text found), 'empty'
    (a valid PDF without text, e.g. a scan), or 'failed' (``message`` says
    why); ``lines`` are ``[page, y, x, text]`` for table layouts."""

    state: str
    text: str = ""
    lines: list = field(default_factory=list)
    pages: int = 0
    message: str = ""


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def extract_pdf_text(data, max_bytes=DEFAULT_MAX_BYTES, max_pages=DEFAULT_MAX_PAGES, timeout=DEFAULT_TIMEOUT):
    """Return a :class:`PdfText` for the PDF bytes ``data``."""
    if not data:
        return PdfText("failed", message="The file is empty.")
    if len(data) > max_bytes:
        return PdfText("failed", message=f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
    if not data.lstrip()[:5] == b"%PDF-":
        return PdfText("failed", message="The file is not a PDF.")
    try:
        process = subprocess.run(  # noqa: S603 (fixed interpreter and script, data on stdin)
            [sys.executable, WORKER, str(max_pages)],
            input=data,
            capture_output=True,
            timeout=timeout,
            preexec_fn=_limit_memory,
            check=False,
            env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": os.pathsep.join(sys.path)},
        )
    except subprocess.TimeoutExpired:
        return PdfText("failed", message=f"Reading the PDF took more than {timeout} seconds.")
    if process.returncode != 0:
        return PdfText("failed", message=_worker_error(process.stderr))
    if len(process.stdout) > MAX_OUTPUT:
        return PdfText("failed", message="The PDF holds too much text.")
    result = json.loads(process.stdout)
    text = result["text"].strip()
    if not text:
        return PdfText("empty", pages=result["pages"], message="The PDF has no text layer (scanned image?).")
    return PdfText("done", text=text, lines=result["lines"], pages=result["pages"])


def _worker_error(stderr):
    last = stderr.decode(errors="replace").strip().splitlines()[-1:] or ["unknown error"]
    if "PDFPasswordIncorrect" in last[0] or "PDFEncryptionError" in last[0] or "crypt" in last[0].lower():
        return "The PDF is encrypted."
    if "MemoryError" in last[0]:
        return "The PDF needs too much memory to be read."
    return f"The PDF could not be read ({last[0][:200]})."
