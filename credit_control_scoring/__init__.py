from . import models
from . import wizard


def _post_init_hook(env):
    # Dossiers opened before the module was installed get their score and
    # class at once rather than at the first nightly run.
    env["credit.control.dossier"].search([])._credit_recompute_scores()
