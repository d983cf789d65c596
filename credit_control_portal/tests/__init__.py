from . import test_access
from . import test_forms
from . import test_payment
from . import test_query_count
from . import test_tour
from . import test_upload_access
from . import test_stripe_url
from . import test_neutralize
