from . import credit_control_portfolio_reassign
