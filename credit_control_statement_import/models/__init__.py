from . import account_journal
from . import account_statement_import_camt_parser
from . import account_statement_import_sheet_parser
