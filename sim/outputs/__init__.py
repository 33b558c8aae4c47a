"""What people read: figures of result tables and the report in its HTML and PDF forms."""
