"""ncodec.coding: integer CDF tables and exact ANS entropy coding (constriction).

`encode`/`decode` code a whole array at once; `AnsStack` pushes and pops chunks one at a time,
for models that depend on what was decoded before (`DecodeOrderWriter` queues them).
"""

from ncodec.coding.ans import decode, encode
from ncodec.coding.coder_models import categorical_model
from ncodec.coding.scales import SCALE_LEVELS, SCALE_MAX, SCALE_MIN, scale_table
from ncodec.coding.stream import AnsStack, DecodeOrderWriter
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
    "AnsStack",
    "CdfTables",
    "DecodeOrderWriter",
    "categorical_model",
    "decode",
    "encode",
    "gaussian_tables",
    "laplace_tables",
    "logistic_tables",
    "scale_table",
    "tables_from_cdf",
    "tables_from_pmf",
]
