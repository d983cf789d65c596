from . import credit_control_dispute_wizard
