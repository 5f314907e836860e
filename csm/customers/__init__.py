"""Customers: Net Promoter Score (:mod:`~csm.customers.nps`), churn and retention (:mod:`~csm.customers.churn`)
and customer lifetime value (:mod:`~csm.customers.clv`); :func:`analyse` (:mod:`~csm.customers.analysis`) is the
entry point of notebooks/nps_churn_clv, returning a :class:`CustomersResult`."""
from csm.customers import churn, clv, nps
from csm.customers.analysis import CustomersResult, analyse

__all__ = ["CustomersResult", "analyse", "churn", "clv", "nps"]
