"""The shipped default model (package data, so a runtime-only install has it)."""
