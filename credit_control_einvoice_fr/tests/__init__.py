from . import test_lifecycle
from . import test_collected
from . import test_flow_api
from . import test_portal
