from . import credit_control_einvoice_import
