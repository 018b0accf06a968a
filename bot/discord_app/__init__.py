"""The Discord front end: a thin adapter from interactions to the core and back."""
