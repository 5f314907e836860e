"""Data layer: the contract, loaders/validation and the sample-data generator."""
from csm.data.contract import TABLES, Column, Problem, Table  # noqa: F401
from csm.data.load import (  # noqa: F401,E402
    Dataset,
    LoadResult,
    load_table,
    load_tables,
    read_raw,
    validate,
    validate_file,
)
from csm.data.mapping import Mapping, TableMapping, load_mapping  # noqa: F401,E402
