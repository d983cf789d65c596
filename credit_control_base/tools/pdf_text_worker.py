"""Extract the text of one PDF read on stdin and print it as JSON on stdout.

Run in a child process by pdf_text.py, with a memory limit and a timeout,
so that a malicious or broken PDF (decompression bomb, endless loop) can
only kill this process, never the Odoo worker. Imports nothing from Odoo.
"""
import json
import sys


def main(max_pages):
    from pdfminer.high_level import extract_pages  # noqa: PLC0415
    from pdfminer.layout import LAParams, LTTextLine  # noqa: PLC0415

    data = sys.stdin.buffer.read()
    pages = []
    lines = []
    import io  # noqa: PLC0415

    for page_number, page in enumerate(extract_pages(io.BytesIO(data), laparams=LAParams(), maxpages=max_pages)):
        page_text = []
        stack = list(page)
        while stack:
            element = stack.pop(0)
            if isinstance(element, LTTextLine):
                text = element.get_text().strip()
                if text:
                    page_text.append(text)
                    lines.append([page_number, round(element.y1, 1), round(element.x0, 1), text])
            elif hasattr(element, "__iter__"):
                stack[0:0] = list(element)
        pages.append("\n".join(page_text))
    json.dump({"text": "\n\f".join(pages), "lines": lines, "pages": len(pages)}, sys.stdout)


if __name__ == "__main__":
    main(int(sys.argv[1]))
