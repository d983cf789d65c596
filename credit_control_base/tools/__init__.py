from . import pdf_text
