"""Built-in certificate type templates (``*.toml``), read with :mod:`importlib.resources`.

This folder is a package only so that setuptools ships the TOML files as package data.
"""
