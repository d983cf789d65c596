from . import credit_control_call_outcome
