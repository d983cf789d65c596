from . import credit_control_rating_import
