"""Resolvers and per-request DataLoaders; they ask repositories, never build SQL."""
