"""An independent check of `rmperf pay` (issue #13): a plain reference implementation of
DOMAIN §6 (reference.py), hand-computed golden cases for it (test_oracle_golden.py), a
generator of small boundary-case lakes (lakegen.py, cases.py) and the cell-by-cell
comparison with the real command (test_compare_engine.py, slow: one subprocess per
quarter compared)."""
