"""Outputs rendered from one Report: console text and JSON, the ministry workbook,
the committee template, the committees' write-back."""
