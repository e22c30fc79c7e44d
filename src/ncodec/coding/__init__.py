"""ncodec.coding: integer CDF tables and exact, vectorized ANS entropy coding (constriction)."""

from ncodec.coding.ans import decode, encode
from ncodec.coding.scales import SCALE_LEVELS, SCALE_MAX, SCALE_MIN, scale_table
from ncodec.coding.tables import (
    DEFAULT_PRECISION,
    DEFAULT_TAIL_MASS,
    CdfTables,
    gaussian_tables,
    laplace_tables,
    logistic_tables,
    tables_from_cdf,
    tables_from_pmf,
)

__all__ = [
    "DEFAULT_PRECISION",
    "DEFAULT_TAIL_MASS",
    "SCALE_LEVELS",
    "SCALE_MAX",
    "SCALE_MIN",
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
