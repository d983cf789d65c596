from . import test_scoring
from . import test_sapin
from . import test_rating_import
from . import test_alerts_access
from . import test_query_count
from . import test_menus
from . import test_access
from . import test_settings
