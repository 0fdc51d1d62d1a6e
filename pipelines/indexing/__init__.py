"""Ingestion: load → clean → split → detect changes → embed → write, idempotent and incremental."""
