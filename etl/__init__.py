"""Load contact-centre exports (phone, email, chat, social) into one warehouse table.

The notebook entry points::

    import etl
    warehouse = etl.open_warehouse()            # or open_warehouse("postgresql://...")
    for result in etl.load_paths(warehouse, ["exports/"]):
        print(result)
    contacts = etl.read_contacts(warehouse, channel="email")   # a pandas DataFrame
"""

from etl.fixtures import write_sample_data
from etl.load import LoadError, LoadResult, count_contacts, load_paths
from etl.queries import read_contacts
from etl.warehouse import DEFAULT_URL, Warehouse, WarehouseBusy, open_warehouse

__all__ = [
    "DEFAULT_URL",
    "LoadError",
    "LoadResult",
    "Warehouse",
    "WarehouseBusy",
    "count_contacts",
    "load_paths",
    "open_warehouse",
    "read_contacts",
    "write_sample_data",
]
