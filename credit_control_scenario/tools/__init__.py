from . import mail_sql
