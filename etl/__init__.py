"""Load contact-centre exports (phone, email, chat, social) into one warehouse table.

The notebook entry points::

    import dumbcontacts.etl
    warehouse = dumbcontacts.etl.create_warehouse()          # or create_warehouse("postgresql://...")
    for result in dumbcontacts.etl.load_paths(warehouse, ["exports/"]):
        print(result)
    contacts = dumbcontacts.etl.read_contacts(warehouse, channel="email")   # a pandas DataFrame
"""

from importlib import import_module

# Loaded on first use, so reading commands that need only the warehouse do not import the
# readers, redaction and reason rules (about half a second).
_EXPORTS = {
    "DEFAULT_URL": "warehouse",
    "LoadResult": "load",
    "Warehouse": "warehouse",
    "count_contacts": "load",
    "create_warehouse": "warehouse",
    "load_paths": "load",
    "open_warehouse": "warehouse",
    "read_contacts": "queries",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"dumbcontacts.etl.{_EXPORTS[name]}"), name)
