from . import test_engine
from . import test_grouping_and_validation
from . import test_channels
from . import test_cancellation
from . import test_delivery_tracking
from . import test_agenda_and_report
from . import test_query_count
from . import test_concurrency
