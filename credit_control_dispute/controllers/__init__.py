from . import dispute_link
