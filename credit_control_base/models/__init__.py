from . import credit_control_segment
from . import credit_control_dossier
from . import account_move
from . import account_move_line
from . import account_partial_reconcile
from . import res_partner
from . import res_company
from . import res_config_settings
