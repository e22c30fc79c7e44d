"""ncodec.coding: integer CDF tables and exact, vectorized ANS entropy coding (constriction)."""

from ncodec.coding.ans import decode, encode
from ncodec.coding.tables import (
    DEFAULT_PRECISION,
    DEFAULT_TAIL_MASS,
    CdfTables,
    gaussian_tables,
    laplace_tables,
    logistic_tables,
    scale_table,
    tables_from_cdf,
    tables_from_pmf,
)

__all__ = [
    "DEFAULT_PRECISION",
    "DEFAULT_TAIL_MASS",
    "CdfTables",
    "decode",
    "encode",
    "gaussian_tables",
    "laplace_tables",
    "logistic_tables",
    "scale_table",
    "tables_from_cdf",
    "tables_from_pmf",
]
