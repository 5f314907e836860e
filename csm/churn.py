"""Old import path of :mod:`csm.customers.churn` (tests/test_customers_inputs.py uses it); removed after the merge."""
from csm.customers.churn import *  # noqa: F401,F403
