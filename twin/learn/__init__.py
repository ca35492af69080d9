"""Learning in the twin: policies and the data they learn from."""
