"""Customers: Net Promoter Score (:mod:`~csm.customers.nps`), churn and retention (:mod:`~csm.customers.churn`)
and customer lifetime value (:mod:`~csm.customers.clv`) — the analyses of notebooks/nps_churn_clv."""
from csm.customers import churn, clv, nps

__all__ = ["churn", "clv", "nps"]
