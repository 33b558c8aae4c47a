"""Running the model: one run, replicates and comparisons.

One run and its result tables, provenance, executors (serial, process pool, Dask), comparisons
of scenarios with replicates and paired contrasts. Named ``runs`` (not ``run``) so that the
package never hides the public function ``sim.run``.
"""
