"""A patient-support bot for SPS, AE and MG: curated, sourced treatment answers."""

__version__ = "0.1.0"
