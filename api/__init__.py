"""HTTP layer: the app factory, auth, error mapping and one module per resource."""
