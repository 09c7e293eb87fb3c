"""Turn a document (PDF, image, e-invoice XML) into fields with calibrated confidences."""
