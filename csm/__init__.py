"""csm — customer-service management analytics workbench.

Layers (dependencies point one way): ``csm.data`` (contract, loading, sample
data) → analysis modules (``csm.kpi`` …) → ``csm.report`` (charts, labels,
result recording) → ``csm.run`` (papermill runs, HTML, manifest).
"""
__version__ = "0.1.0"
