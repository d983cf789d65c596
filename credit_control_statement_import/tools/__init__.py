from . import bank_line_sql
