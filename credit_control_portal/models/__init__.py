from . import credit_control_dossier
from . import credit_control_kpi_dashboard
from . import payment_provider
from . import payment_transaction
from . import res_company
from . import res_config_settings
from . import credit_control_autopay_charge
