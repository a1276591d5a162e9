"""The four-question survey citizens answer from a desk's QR code."""
