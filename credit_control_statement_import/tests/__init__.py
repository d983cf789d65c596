from . import test_statement_import
from . import test_mail_alias
from . import test_folder
from . import test_demo_statement
from . import test_sheet_import
from . import test_reconcile_oca
from . import test_import_queries
from . import test_bank_line_sql
