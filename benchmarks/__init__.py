"""`python -m benchmarks`: champbot's speed against a naive baseline measured in the same run.

Each figure is the project's number, the naive baseline's number and their ratio
(project / naive). The machine is shared, so only ratios taken side by side are
stable; absolute rates are for the record.
"""
