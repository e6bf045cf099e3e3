"""The end-to-end MLflow pyfunc model ``crnn-ocr`` (classify + read) and its registration.

Importing this package is light; MLflow and TensorFlow load inside the functions.
"""
