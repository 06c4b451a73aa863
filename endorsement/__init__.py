"""The training and reflective supervision ledger, and progress toward endorsement."""
