"""The decision log's proofs: the Merkle tree, signed checkpoints and receipts, and personal-data protection.

Pure (no I/O): the stores beside it in ``jrp.adapters.log`` keep what these modules compute.
"""
