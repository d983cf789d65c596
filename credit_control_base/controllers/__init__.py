from . import statement
