"""csm — customer-service management analytics workbench.

Layers (dependencies point one way)::

    csm.data     contract, mapping, read, validate, load (a Dataset of tidy tables), sample data
      → analysis csm.kpi · csm.complaints · csm.sentiment · csm.customers (nps, churn, clv) · csm.abtest
      → csm.report   theme, format, display, charts (shared) · labels/<topic> · <topic> (one report's
                     tables, sentences and charts) · summary, html
      → csm.run      parameters, plan, execute, export, manifest, rerun;  csm.cli

Every report has one analysis entry point, ``csm.<topic>.analyse(data, **parameters)``, returning a typed,
frozen result: tidy frames per section, ``notes`` (:class:`csm.notes.Note`, codes with parameters) and
``skipped`` (:class:`csm.notes.Skipped`). The report's presentation module turns a result into headings,
tables, sentences and charts in either language; a notebook only orchestrates:
parameters → load → analyse → show → record.

Conventions kept in every module:

- **Fractions inside** (0.82, never 82): rates, shares, changes of rates; percent only on display
  (:mod:`csm.report.format`). Targets for rates are fractions too.
- **Periods** are :class:`csm.periods.Period` objects (half-open ``[start, end)``, with a label); no
  ``(start, last_day)`` tuples. Membership is ``Period.contains``.
- **Estimates** are frames with ``estimate, ci_low, ci_high, p_value, n`` (plus named extras).
- **``confidence=0.95``** for intervals everywhere; ``alpha`` only where a test's level is meant.
- **Fitted models**: ``fit_*`` returns an object with ``params``, ``loglik``, ``standard_errors``,
  ``summary`` (a frame) and prediction methods.
- **Analyses never draw, print, read files or build display labels**; progress is a callback
  (``progress=callable(done, total)``) the caller may pass.
- **Errors**: :class:`csm.errors.DataError`, ``ParameterError``, ``AnalysisError``, ``RunError``, with
  the file, column, rows, notebook or cell, and what to do.
- **Randomness** takes a ``seed``: same seed, same bytes.
"""
__version__ = "0.1.0"
