from . import credit_control_dispute_wizard
from . import credit_control_dispute_link_wizard
