from . import controllers
from . import models
from . import tools
from . import wizard


def _post_init_hook(env):
    # Customers invoiced before the module was installed get their dossier
    # (and segment) at once rather than at the first nightly run.
    env["credit.control.dossier"]._ensure_dossiers()
