"""CRM exports -> a channel table with the uncertainty of every estimate.

`mapping` reads the mapping YAML; `tables` reads exports and counts unusable rows;
`dates` and `labels` clean values; `economics` estimates rates, CLV and curves;
`pipeline.estimate` runs the steps. The table's columns are the channel-table contract of
`optimizer.scenario.fields.TABLE_COLUMNS`, which the scenario reader reads back as is.
"""

from .mapping import Mapping, load_mapping
from .pipeline import estimate
from .tables import EstimateResult

__all__ = ["EstimateResult", "Mapping", "estimate", "load_mapping"]
