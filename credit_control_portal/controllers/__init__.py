from . import portal
from . import statement_download
from . import autopay
