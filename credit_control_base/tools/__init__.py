from . import lang_format
from . import pdf_text
from . import sql
from . import overrides
from . import reconcile_sql
from . import proposal_sql
