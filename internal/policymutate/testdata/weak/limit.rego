package limit

# The boundary at 3 is never tested exactly: > and >= pass the same tests.
too_many if input.n > 3
