"""The decision log's proofs: the Merkle tree, signed checkpoints and receipts, and personal-data protection.

Pure (no I/O): the stores in ``jrp.adapters`` keep what these modules compute.
"""
