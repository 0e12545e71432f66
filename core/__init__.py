"""What every app shares and that knows no domain: errors, ids, encrypted fields, schema helpers, middleware."""
