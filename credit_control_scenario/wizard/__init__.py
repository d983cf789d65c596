from . import credit_control_call_outcome
from . import credit_control_simulation
from . import credit_control_oca_import
