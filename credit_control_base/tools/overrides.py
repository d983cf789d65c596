"""Whether other modules change the methods the suite's adapters replace:
an adapter writes what Odoo's (or OCA's) method writes only while nobody
else redefines that method; otherwise the method itself runs."""


def overridden_outside(model, method, modules):
    """Whether a module other than ``modules`` defines ``method`` on
    ``model`` (BaseModel, of no module, is not counted)."""
    return bool({cls._module for cls in type(model).__mro__ if method in vars(cls) and cls._module} - set(modules))


def next_definition_is(record, own_class, method, expected_class):
    """Whether the first class below ``own_class`` in ``record``'s model
    that defines ``method`` is ``expected_class``: no module between the
    two redefines it (a module above ``own_class`` reaches it through
    ``super()`` and is not concerned)."""
    mro = type(record).__mro__
    for cls in mro[mro.index(own_class) + 1:]:
        if method in vars(cls):
            return cls is expected_class
    return False
