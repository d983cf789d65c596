from . import credit_control_portfolio_reassign
from . import credit_control_cash_remittance_wizard
from . import credit_control_aged_balance_wizard
from . import credit_control_provision_move
from . import credit_control_hold_wizard
from . import base_partner_merge_automatic_wizard
