from . import test_overdue_state
from . import test_dossier
from . import test_segment
from . import test_credit_limit
from . import test_access
from . import test_portfolio
from . import test_query_count
from . import test_tour
