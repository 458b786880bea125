"""weightatlas: measured indicators on Chinese vs Western open-weight AI.

Library first: every CLI command calls one function from this package. The data
flows one way: ``sources`` -> ``store`` -> ``indicators`` -> report / JSON.
"""

__version__ = "0.1.0"
