"""Portal and dashboard views, one module per page family; all thin (forms in, selectors and services out)."""
