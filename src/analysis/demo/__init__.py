"""The demo data generator."""
