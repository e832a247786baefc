"""Analysis of finished sweeps: scenario discovery (PRIM boxes and feature scores) and the
robustness of each lever combination across the sampled futures (regret and satisficing).

Modules:
- ``sweep_data``: reading a finished sweep folder into typed design inputs and outcomes;
- ``discovery``: PRIM scenario discovery (the ``prim`` package) for an outcome threshold or
  conditions on several outcomes;
- ``targets``: what discovery looks at: stored outcomes or a lever's paired effect per future,
  and which dimensions (design parameters, drawn values; include/exclude);
- ``cart``: a classification tree's leaves as boxes, beside PRIM's (scikit-learn);
- ``box_tests``: resampling and drop-restriction tests of a box;
- ``feature_scoring``: extra-trees importances of each design parameter (scikit-learn);
- ``robustness``: regret and satisficing of each lever combination over the futures;
- ``folders``: writing an analysis subfolder atomically, with its manifest;
- ``search``, ``search_spec``, ``search_setup``: robust policy search (pymoo's NSGA-II/III over
  the levers, each candidate scored over the same sampled futures), run on the sweep engine.

The optional libraries (``prim``, ``scikit-learn``: the ``analysis`` extra; ``pymoo``: the
``search`` extra) are imported
inside the functions that use them, so importing this package costs nothing extra.
Dependencies point one way: analysis reads what ``sim.experiments`` wrote, never the model.
"""
