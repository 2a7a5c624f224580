"""Load contact-centre exports (phone, email, chat, social) into one warehouse table.

The notebook entry points::

    import dumbcontacts.etl
    warehouse = dumbcontacts.etl.create_warehouse()          # or create_warehouse("postgresql://...")
    for result in dumbcontacts.etl.load_paths(warehouse, ["exports/"]):
        print(result)
    contacts = dumbcontacts.etl.read_contacts(warehouse, channel="email")   # a pandas DataFrame
"""

from dumbcontacts.etl.load import LoadResult, count_contacts, load_paths
from dumbcontacts.etl.queries import read_contacts
from dumbcontacts.etl.warehouse import (
    DEFAULT_URL,
    Warehouse,
    create_warehouse,
    open_warehouse,
)

__all__ = [
    "DEFAULT_URL",
    "LoadResult",
    "Warehouse",
    "count_contacts",
    "create_warehouse",
    "load_paths",
    "open_warehouse",
    "read_contacts",
]
