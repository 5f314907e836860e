"""Data layer: the contract, reading, mapping, validation, loading, and the sample-data generator.

    contract    the five tables, their columns and allowed values (csm.data.contract)
    read        files, encodings, formats (csm.data.read)
    mapping     an export's headers and values → the contract (csm.data.mapping)
    validate    conversion to the canonical dtypes and every problem found (csm.data.validate)
    load        one table, a folder → :class:`Dataset` (csm.data.load)
    sample      the seeded sample data with planted truth (csm.data.sample); snapshot: a CRM snapshot example

The function :func:`csm.data.validate.validate` is not re-exported here: ``csm.data.validate`` is the module.
"""
from csm.data.contract import TABLES, Column, Problem, Table
from csm.data.load import Dataset, LoadResult, load_table, load_tables, validate_file, validate_folder
from csm.data.mapping import Mapping, TableMapping, load_mapping
from csm.data.read import read_raw

__all__ = ["TABLES", "Column", "Dataset", "LoadResult", "Mapping", "Problem", "Table", "TableMapping",
           "load_mapping", "load_table", "load_tables", "read_raw", "validate_file", "validate_folder"]
