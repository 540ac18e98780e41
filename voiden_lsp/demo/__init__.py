"""Demo servers for `voiden demo`, the examples and the tests. They bind 127.0.0.1 on free ports only."""
