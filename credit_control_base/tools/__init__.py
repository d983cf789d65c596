from . import pdf_text
from . import sql
