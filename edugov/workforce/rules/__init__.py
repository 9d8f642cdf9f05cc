"""Pure workforce policy: staffing norms, rotation eligibility, the rotation optimiser.

No Django here: plain data in, plain data out, so each rule is tested on its own.
"""
