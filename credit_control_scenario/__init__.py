from . import models
from . import report
from . import wizard


def _post_init_hook(env):
    # Companies that exist before the install get the shipped scenario as
    # their default (new companies get it from the field default).
    scenario = env.ref("credit_control_scenario.credit_control_scenario_standard", raise_if_not_found=False)
    if scenario:
        env["res.company"].search([("credit_control_scenario_id", "=", False)]).credit_control_scenario_id = scenario
