from . import test_dispute
from . import test_promise
from . import test_payment_plan
from . import test_hooks
from . import test_access
from . import test_query_count
from . import test_menus
from . import test_evidence_access
