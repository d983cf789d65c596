from . import action_sql
from . import mail_sql
