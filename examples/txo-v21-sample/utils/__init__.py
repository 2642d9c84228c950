"""TXO v2.1-style utility package (invented fixture for txo-codemod)."""
