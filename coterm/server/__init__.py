"""The resident per-user evaluator that shell hooks talk to (see protocol.py for the wire format)."""
