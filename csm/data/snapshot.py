"""A synthetic customers-only CRM snapshot (the shape of IBM's Telco customer churn sample) with planted churn.

``data/examples/crm_customers_snapshot.csv`` is written by :func:`write_crm_snapshot` (seeded: same seed, same
bytes) and read with ``data/mappings/crm_snapshot.yaml``. The export has no dates: a ``tenure`` in whole months
and a ``Churn`` flag (Yes/No), as of the snapshot date :data:`SNAPSHOT_TRUTH` ``["as_of"]``.

Planted truth (:data:`SNAPSHOT_TRUTH`): each customer signs up uniformly within the 72 months before the
snapshot; the time to churn is exponential with the monthly hazard

    λ = λ₀ · HR_contract · HR_charge^MonthlyCharges

λ₀ = 0.0015 per month (two-year contract, charges 0); HR_contract 4.0 for month-to-month and 2.0 for one year
against two years; HR_charge = 1.10 per 10 currency units of MonthlyCharges (1.10^0.1 per unit). A customer whose
churn time falls before the snapshot has Churn = Yes and tenure = the churn time rounded up to whole months;
the others are censored at the snapshot (tenure = months since sign-up, rounded up). Every other column is
independent of churn (noise with Telco's levels). Month = 365.25/12 days.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["SNAPSHOT_TRUTH", "crm_snapshot", "retention_truth", "write_crm_snapshot"]

SEED = 20240630
N_CUSTOMERS = 2500
CONTRACT_SHARES = {"Month-to-month": 0.55, "One year": 0.21, "Two year": 0.24}
CHARGE_RANGE = (18.25, 118.75)  # MonthlyCharges uniform on this range (Telco's minimum and maximum)
MAX_TENURE = 72

SNAPSHOT_TRUTH = {
    "as_of": "2024-06-30",
    "seed": SEED,
    "customers": N_CUSTOMERS,
    "baseline_hazard_per_month": 0.0015,  # two-year contract, MonthlyCharges 0
    "hr_contract_vs_two_year": {"Month-to-month": 4.0, "One year": 2.0, "Two year": 1.0},
    "hr_per_10_monthly_charges": 1.10,
    "hr_per_monthly_charge": 1.10 ** 0.1,
    "contract_shares": CONTRACT_SHARES,
    "charge_range": CHARGE_RANGE,
    "max_tenure_months": MAX_TENURE,
}


def _hazard(contract: np.ndarray, charges: np.ndarray) -> np.ndarray:
    t = SNAPSHOT_TRUTH
    hr = np.array([t["hr_contract_vs_two_year"][c] for c in contract])
    return t["baseline_hazard_per_month"] * hr * t["hr_per_monthly_charge"] ** charges


def retention_truth(contract: str, months: float) -> float:
    """Planted share of customers with ``contract`` still active after ``months`` of tenure (averaged over the
    uniform MonthlyCharges distribution; the Kaplan–Meier curve of that contract estimates it)."""
    grid = np.linspace(*CHARGE_RANGE, 20001)
    lam = _hazard(np.full(grid.size, contract), grid)
    return float(np.mean(np.exp(-lam * months)))


def crm_snapshot(n: int = N_CUSTOMERS, *, seed: int = SEED) -> pd.DataFrame:
    """The synthetic snapshot as text columns, exactly as written to CSV (Telco's headers and value spellings)."""
    rng = np.random.default_rng(seed)
    contract = rng.choice(list(CONTRACT_SHARES), size=n, p=list(CONTRACT_SHARES.values()))
    charges = np.round(rng.uniform(*CHARGE_RANGE, size=n) * 20) / 20  # to 0.05
    since_signup = rng.uniform(0, MAX_TENURE, size=n)
    churn_time = rng.exponential(1.0 / _hazard(contract, charges))
    churned = churn_time <= since_signup
    tenure = np.ceil(np.where(churned, churn_time, since_signup)).astype(int).clip(1, MAX_TENURE)

    def pick(levels, p=None):
        return rng.choice(levels, size=n, p=p)

    internet = pick(["DSL", "Fiber optic", "No"], [0.34, 0.44, 0.22])
    phone = pick(["Yes", "No"], [0.9, 0.1])
    multiple = np.where(phone == "No", "No phone service", pick(["Yes", "No"]))

    def addon():
        return np.where(internet == "No", "No internet service", pick(["Yes", "No"], [0.4, 0.6]))

    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    ids = [f"{d:04d}-{''.join(w)}" for d, w in zip(rng.permutation(10000)[:n], letters[rng.integers(0, 26, (n, 5))])]
    total = np.round(charges * tenure * rng.uniform(0.95, 1.05, size=n), 2)
    return pd.DataFrame({
        "customerID": ids, "gender": pick(["Female", "Male"]), "SeniorCitizen": pick(["0", "1"], [0.84, 0.16]),
        "Partner": pick(["Yes", "No"]), "Dependents": pick(["Yes", "No"], [0.3, 0.7]), "tenure": tenure.astype(str),
        "PhoneService": phone, "MultipleLines": multiple, "InternetService": internet,
        "OnlineSecurity": addon(), "OnlineBackup": addon(), "DeviceProtection": addon(), "TechSupport": addon(),
        "StreamingTV": addon(), "StreamingMovies": addon(), "Contract": contract,
        "PaperlessBilling": pick(["Yes", "No"], [0.59, 0.41]),
        "PaymentMethod": pick(["Electronic check", "Mailed check", "Bank transfer (automatic)",
                               "Credit card (automatic)"], [0.34, 0.23, 0.22, 0.21]),
        "MonthlyCharges": [f"{c:.2f}".rstrip("0").rstrip(".") for c in charges],
        "TotalCharges": [f"{t:.2f}".rstrip("0").rstrip(".") for t in total],
        "Churn": np.where(churned, "Yes", "No"),
    })


def write_crm_snapshot(path, n: int = N_CUSTOMERS, *, seed: int = SEED) -> Path:
    """Write the synthetic snapshot as a UTF-8 CSV (``\\n`` line ends); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    crm_snapshot(n, seed=seed).to_csv(path, index=False, lineterminator="\n")
    return path


if __name__ == "__main__":  # python -m csm.data.snapshot data/examples/crm_customers_snapshot.csv
    import sys

    print(write_crm_snapshot(sys.argv[1] if len(sys.argv) > 1 else "data/examples/crm_customers_snapshot.csv"))
