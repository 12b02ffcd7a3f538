"""A real WordPress (Debian's package, MariaDB, PHP's built-in server) for end-to-end tests."""
