"""The twin's plain shared types: what every component agrees on. Imports nothing else from ``twin``."""
