"""Webcam exercise-form coach for lower back pain: the core, free of any GUI toolkit."""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
