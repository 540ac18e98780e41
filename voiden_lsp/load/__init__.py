"""Load runs (FORMAT.md section 12): the plan here, Locust only in the engine's child process."""
