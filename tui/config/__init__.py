"""What the user configures: config.toml read into one Settings declaration, endpoints, file locations."""
